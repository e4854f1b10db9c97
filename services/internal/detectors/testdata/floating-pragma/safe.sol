pragma solidity 0.8.26;
contract A {}
