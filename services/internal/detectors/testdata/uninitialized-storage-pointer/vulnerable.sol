pragma solidity 0.4.24;
contract Roulette {
    struct Game { address player; uint256 number; }
    Game[] public games;
    function play(uint256 number) public {
        Game game;
        game.player = msg.sender;
        game.number = number;
        games.push(game);
    }
}
