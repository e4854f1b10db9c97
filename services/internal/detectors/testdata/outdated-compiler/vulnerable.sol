pragma solidity 0.4.26;
contract A {}
