// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {ILicenseChecker} from "./ILicenseChecker.sol";

/// @title ILicenseMarket
/// @notice Licence offers on registered works, purchases paid in ether and split among a
///         work's payees (pull payments), and disputes that an arbiter resolves.
/// @dev Rounding: a protocol fee of floor(price * feeBps / 10,000) goes to the treasury; each
///      payee but the last gets floor(rest * share / 10,000) and the last payee gets what is
///      left, so every wei paid is credited to someone.
interface ILicenseMarket is ILicenseChecker {
    /// @notice A licence offer, packed into one storage slot.
    /// @param price Price in wei.
    /// @param duration Seconds a licence lasts; 0 for perpetual.
    /// @param maxSupply Most licences that can be sold; 0 for no cap.
    /// @param sold Licences sold so far (counted only when capped).
    /// @param kind What the licence allows.
    /// @param active Whether it can be bought now.
    /// @param transferable Whether a holder may pass the licence on.
    struct Offer {
        uint96 price;
        uint40 duration;
        uint32 maxSupply;
        uint32 sold;
        LicenseKind kind;
        bool active;
        bool transferable;
    }

    /// @notice An account's licence of one kind on one work.
    /// @param start When it was bought (unix seconds).
    /// @param expiry When it ends; type(uint64).max for perpetual.
    /// @param offerId The offer it was bought under.
    /// @param transferable Whether the holder may pass it on.
    struct License {
        uint64 start;
        uint64 expiry;
        uint32 offerId;
        bool transferable;
    }

    /// @notice What the arbiter decided.
    enum DisputeStatus {
        None,
        Open,
        Upheld,
        Rejected
    }

    /// @notice A dispute over a work.
    /// @param claimant Who opened it and posted the bond.
    /// @param bond The bond in wei.
    /// @param status Open until the arbiter decides.
    /// @param workId The disputed work.
    struct Dispute {
        address claimant;
        uint88 bond;
        DisputeStatus status;
        uint256 workId;
    }

    /// @notice A work's royalty split was set.
    /// @param workId The work.
    /// @param accounts The payees.
    /// @param sharesBps Each payee's share in basis points (sum 10,000).
    event PayeesSet(uint256 indexed workId, address[] accounts, uint16[] sharesBps);

    /// @notice The owner offered licences on a work.
    /// @param workId The work.
    /// @param offerId The offer's number on this work (from 1).
    /// @param kind What the licence allows.
    /// @param price Price in wei.
    /// @param duration Seconds a licence lasts; 0 for perpetual.
    /// @param maxSupply Most licences sold; 0 for no cap.
    /// @param transferable Whether licences may be passed on.
    /// @param termsURI Where the licence terms are published.
    /// @param termsHash SHA-256 of the terms document.
    event OfferCreated(
        uint256 indexed workId,
        uint256 indexed offerId,
        LicenseKind kind,
        uint256 price,
        uint256 duration,
        uint256 maxSupply,
        bool transferable,
        string termsURI,
        bytes32 termsHash
    );

    /// @notice An offer was switched on or off; licences already sold are unaffected.
    /// @param workId The work.
    /// @param offerId The offer.
    /// @param active Whether it can be bought now.
    event OfferStatusChanged(uint256 indexed workId, uint256 indexed offerId, bool active);

    /// @notice A licence was bought.
    /// @param workId The work.
    /// @param offerId The offer it was bought under.
    /// @param licensee The buyer and holder.
    /// @param kind What the licence allows.
    /// @param price Wei paid.
    /// @param expiry When it ends; type(uint64).max for perpetual.
    event LicensePurchased(
        uint256 indexed workId,
        uint256 indexed offerId,
        address indexed licensee,
        LicenseKind kind,
        uint256 price,
        uint256 expiry
    );

    /// @notice A transferable licence changed holder.
    /// @param workId The work.
    /// @param from The previous holder.
    /// @param to The new holder.
    /// @param kind The licence kind.
    /// @param expiry When it ends.
    event LicenseTransferred(
        uint256 indexed workId,
        address indexed from,
        address indexed to,
        LicenseKind kind,
        uint256 expiry
    );

    /// @notice A payee withdrew their balance.
    /// @param payee Who was paid.
    /// @param amount Wei sent.
    event Withdrawn(address indexed payee, uint256 amount);

    /// @notice The protocol fee changed.
    /// @param treasury Who receives it.
    /// @param feeBps Basis points of each sale.
    event FeeChanged(address treasury, uint16 feeBps);

    /// @notice The bond needed to open a dispute changed.
    /// @param minBond Wei.
    event MinBondChanged(uint256 minBond);

    /// @notice A dispute was opened.
    /// @param disputeId Its number (from 1).
    /// @param workId The disputed work.
    /// @param claimant Who opened it.
    /// @param bond Wei posted.
    /// @param evidenceURI Where the evidence is.
    event DisputeOpened(
        uint256 indexed disputeId,
        uint256 indexed workId,
        address indexed claimant,
        uint256 bond,
        string evidenceURI
    );

    /// @notice The arbiter decided a dispute; upheld flags the work and returns the bond,
    ///         rejected credits the bond to the work's owner.
    /// @param disputeId The dispute.
    /// @param workId The work.
    /// @param upheld The decision.
    /// @param bondRecipient Who was credited the bond.
    event DisputeResolved(
        uint256 indexed disputeId, uint256 indexed workId, bool upheld, address bondRecipient
    );

    /// @notice Only the work's current owner may do this.
    /// @param workId The work.
    /// @param caller Who tried.
    error NotWorkOwner(uint256 workId, address caller);

    /// @notice Payees must be 1..16 non-zero accounts with positive shares summing to 10,000.
    /// @param count Number of payees given.
    /// @param totalBps Their shares' sum.
    error InvalidPayees(uint256 count, uint256 totalBps);

    /// @notice The offer's terms are out of range (price or duration too large).
    error InvalidOffer();

    /// @notice There is no such offer, or it is switched off.
    /// @param workId The work.
    /// @param offerId The offer.
    error OfferInactive(uint256 workId, uint256 offerId);

    /// @notice The offer's cap is reached.
    /// @param workId The work.
    /// @param offerId The offer.
    error OfferSoldOut(uint256 workId, uint256 offerId);

    /// @notice The payment must equal the price exactly (nothing is refunded).
    /// @param price The price.
    /// @param paid What was sent.
    error IncorrectPayment(uint256 price, uint256 paid);

    /// @notice An upheld dispute flagged the work: no new licences are sold.
    /// @param workId The work.
    error WorkFlagged(uint256 workId);

    /// @notice The caller holds no valid licence of that kind, or it is not transferable.
    /// @param workId The work.
    /// @param holder The caller.
    error LicenseNotTransferable(uint256 workId, address holder);

    /// @notice The recipient already holds a valid licence of that kind.
    /// @param to The recipient.
    error LicenseAlreadyHeld(address to);

    /// @notice The caller has no balance to withdraw.
    /// @param payee The caller.
    error NothingToWithdraw(address payee);

    /// @notice Sending the balance failed; it stays credited.
    /// @param payee The payee.
    /// @param amount The balance.
    error WithdrawalFailed(address payee, uint256 amount);

    /// @notice The fee is above the cap or the treasury is zero.
    /// @param feeBps The fee asked for.
    error InvalidFee(uint256 feeBps);

    /// @notice The bond is below the minimum (or above 2^88 - 1 wei).
    /// @param bond What was sent.
    /// @param minBond The minimum.
    error InsufficientBond(uint256 bond, uint256 minBond);

    /// @notice The dispute does not exist or is already decided.
    /// @param disputeId The dispute.
    error DisputeNotOpen(uint256 disputeId);
}
