// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Vault} from "../src/Vault.sol";

contract VaultTest {
    function testDeposit() public {
        Vault v = new Vault();
        v.deposit{value: 1}();
    }
}
