pragma solidity 0.8.26;
contract Payer {
    function pay(address payable to) external {
        (bool ok, ) = to.call{value: 1 ether}("");
        require(ok);
    }
}
