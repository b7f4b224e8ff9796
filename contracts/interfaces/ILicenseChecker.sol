// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

/// @title ILicenseChecker
/// @notice What other contracts ask of the licence market: does an account hold a licence now.
interface ILicenseChecker {
    /// @notice Kinds of licence a work's owner can offer.
    enum LicenseKind {
        Personal,
        Commercial,
        Derivative
    }

    /// @notice Whether `account` holds an unexpired licence of `kind` for `workId` right now.
    /// @param account The licensee.
    /// @param workId The work.
    /// @param kind The licence kind.
    /// @return True while the licence is valid.
    function hasValidLicense(address account, uint256 workId, LicenseKind kind)
        external
        view
        returns (bool);
}
