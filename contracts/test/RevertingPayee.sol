// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {LicenseMarket} from "../LicenseMarket.sol";

/// @title RevertingPayee
/// @notice Test-only payee whose `receive` always reverts, so the market cannot pay it out.
contract RevertingPayee {
    /// @notice The market it withdraws from.
    LicenseMarket public immutable MARKET;

    /// @notice This contract refuses every ether transfer.
    /// @param amount Wei that was sent.
    error PaymentRefused(uint256 amount);

    /// @param market The market it is a payee of.
    constructor(LicenseMarket market) {
        MARKET = market;
    }

    /// @notice Refuses the payment.
    receive() external payable {
        revert PaymentRefused(msg.value);
    }

    /// @notice Asks the market for this contract's balance (which it then refuses).
    function withdrawFromMarket() external {
        MARKET.withdraw();
    }
}
