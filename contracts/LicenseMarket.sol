// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {ReentrancyGuardTransient} from
    "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {ILicenseChecker} from "./interfaces/ILicenseChecker.sol";
import {ILicenseMarket} from "./interfaces/ILicenseMarket.sol";
import {IRegistryReader} from "./interfaces/IRegistryReader.sol";

/// @title LicenseMarket
/// @notice Sells licences on works of a `WorkRegistry`, splits each payment among the work's
///         payees, and lets an arbiter flag works in disputes.
/// @dev A purchase touches one offer slot, one work slot, one slot per payee and per payee
///      balance, and writes one licence slot; everything else is in events.
contract LicenseMarket is ILicenseMarket, AccessControl, ReentrancyGuardTransient {
    /// @notice Role that resolves disputes.
    bytes32 public constant ARBITER_ROLE = keccak256("ARBITER_ROLE");
    /// @notice Highest protocol fee the admin can set (10%).
    uint16 public constant MAX_FEE_BPS = 1_000;
    uint256 private constant BPS = 10_000;
    uint256 private constant MAX_PAYEES = 16;
    uint64 private constant PERPETUAL = type(uint64).max;

    struct WorkState {
        uint32 offerCount;
        uint8 payeeCount;
        bool flagged;
    }

    struct Payee {
        address account;
        uint16 shareBps;
    }

    struct FeeConfig {
        address treasury;
        uint16 feeBps;
    }

    /// @notice The registry whose works are licensed.
    IRegistryReader public immutable REGISTRY;

    FeeConfig private _fee;
    uint256 public minBond;
    uint256 public disputeCount;

    mapping(uint256 workId => WorkState) private _works;
    mapping(uint256 workId => mapping(uint256 index => Payee)) private _payees;
    mapping(uint256 workId => mapping(uint256 offerId => Offer)) private _offers;
    mapping(bytes32 key => License) private _licenses;
    mapping(address account => uint256 wei_) private _balances;
    mapping(uint256 disputeId => Dispute) private _disputes;

    /// @param registry The `WorkRegistry`.
    /// @param admin Holder of the admin role (fee, bond, roles).
    /// @param arbiter First holder of the arbiter role.
    /// @param minBond_ Wei needed to open a dispute.
    constructor(IRegistryReader registry, address admin, address arbiter, uint256 minBond_) {
        REGISTRY = registry;
        minBond = minBond_;
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
        _grantRole(ARBITER_ROLE, arbiter);
    }

    modifier onlyWorkOwner(uint256 workId) {
        if (REGISTRY.ownerOf(workId) != msg.sender) revert NotWorkOwner(workId, msg.sender);
        _;
    }

    /// @notice Sets a work's royalty split (owner only).
    /// @param workId The work.
    /// @param accounts The payees (1 to 16).
    /// @param sharesBps Their shares in basis points, summing to 10,000.
    function setPayees(uint256 workId, address[] calldata accounts, uint16[] calldata sharesBps)
        external
        onlyWorkOwner(workId)
    {
        uint256 count = accounts.length;
        uint256 total;
        if (count == 0 || count > MAX_PAYEES || count != sharesBps.length) {
            revert InvalidPayees(count, 0);
        }
        for (uint256 i; i < count; ++i) {
            if (accounts[i] == address(0) || sharesBps[i] == 0) revert InvalidPayees(count, total);
            total += sharesBps[i];
            _payees[workId][i] = Payee(accounts[i], sharesBps[i]);
        }
        if (total != BPS) revert InvalidPayees(count, total);
        _works[workId].payeeCount = uint8(count);
        emit PayeesSet(workId, accounts, sharesBps);
    }

    /// @notice Offers licences on a work (owner only). Until payees are set, the creator
    ///         receives everything.
    /// @param workId The work.
    /// @param kind What the licence allows.
    /// @param price Price in wei.
    /// @param duration Seconds a licence lasts; 0 for perpetual.
    /// @param maxSupply Most licences sold; 0 for no cap.
    /// @param transferable Whether licences may be passed on.
    /// @param termsURI Where the terms are published.
    /// @param termsHash SHA-256 of the terms document.
    /// @return offerId The new offer's number on this work.
    function createOffer(
        uint256 workId,
        LicenseKind kind,
        uint256 price,
        uint256 duration,
        uint32 maxSupply,
        bool transferable,
        string calldata termsURI,
        bytes32 termsHash
    ) external onlyWorkOwner(workId) returns (uint256 offerId) {
        if (price > type(uint96).max || duration > type(uint40).max) revert InvalidOffer();
        WorkState storage work = _works[workId];
        if (work.payeeCount == 0) {
            _payees[workId][0] = Payee(REGISTRY.creatorOf(workId), uint16(BPS));
            work.payeeCount = 1;
        }
        offerId = ++work.offerCount;
        _offers[workId][offerId] = Offer({
            price: uint96(price),
            duration: uint40(duration),
            maxSupply: maxSupply,
            sold: 0,
            kind: kind,
            active: true,
            transferable: transferable
        });
        emit OfferCreated(
            workId, offerId, kind, price, duration, maxSupply, transferable, termsURI, termsHash
        );
    }

    /// @notice Switches an offer on or off (owner only); sold licences stay valid.
    /// @param workId The work.
    /// @param offerId The offer.
    /// @param active Whether it can be bought.
    function setOfferActive(uint256 workId, uint256 offerId, bool active)
        external
        onlyWorkOwner(workId)
    {
        if (offerId == 0 || offerId > _works[workId].offerCount) {
            revert OfferInactive(workId, offerId);
        }
        _offers[workId][offerId].active = active;
        emit OfferStatusChanged(workId, offerId, active);
    }

    /// @notice Buys a licence for the caller, paying exactly the price (nothing is refunded).
    ///         Buying again while a licence runs extends it from its current expiry; it stays
    ///         transferable only if both the running licence and the new offer are.
    /// @param workId The work.
    /// @param offerId The offer.
    /// @return expiry When the licence ends.
    function buy(uint256 workId, uint256 offerId) external payable returns (uint64 expiry) {
        Offer memory terms = _offers[workId][offerId];
        if (!terms.active) revert OfferInactive(workId, offerId);
        WorkState memory work = _works[workId];
        if (work.flagged) revert WorkFlagged(workId);
        if (msg.value != terms.price) revert IncorrectPayment(terms.price, msg.value);
        if (terms.maxSupply != 0) {
            if (terms.sold >= terms.maxSupply) revert OfferSoldOut(workId, offerId);
            _offers[workId][offerId].sold = terms.sold + 1;
        }
        License storage license = _licenses[_licenseKey(msg.sender, workId, terms.kind)];
        // Topping up a running licence must not make a non-transferable one transferable.
        bool transferable = terms.transferable
            && (license.expiry <= block.timestamp || license.transferable);
        expiry = _extend(license.expiry, terms.duration);
        (license.start, license.expiry) = (uint64(block.timestamp), expiry);
        (license.offerId, license.transferable) = (uint32(offerId), transferable);
        _credit(workId, work.payeeCount, msg.value);
        emit LicensePurchased(workId, offerId, msg.sender, terms.kind, msg.value, expiry);
    }

    /// @notice Passes the caller's transferable licence to `to`.
    /// @param workId The work.
    /// @param kind The licence kind.
    /// @param to The new holder, who must not hold a valid one of this kind.
    function transferLicense(uint256 workId, LicenseKind kind, address to) external {
        License memory license = _licenses[_licenseKey(msg.sender, workId, kind)];
        if (!license.transferable || license.expiry <= block.timestamp) {
            revert LicenseNotTransferable(workId, msg.sender);
        }
        bytes32 toKey = _licenseKey(to, workId, kind);
        if (_licenses[toKey].expiry > block.timestamp) revert LicenseAlreadyHeld(to);
        delete _licenses[_licenseKey(msg.sender, workId, kind)];
        _licenses[toKey] = license;
        emit LicenseTransferred(workId, msg.sender, to, kind, license.expiry);
    }

    /// @notice Sends the caller their whole balance.
    function withdraw() external nonReentrant {
        uint256 amount = _balances[msg.sender];
        if (amount == 0) revert NothingToWithdraw(msg.sender);
        _balances[msg.sender] = 0;
        (bool ok,) = msg.sender.call{value: amount}("");
        if (!ok) revert WithdrawalFailed(msg.sender, amount);
        emit Withdrawn(msg.sender, amount);
    }

    /// @notice Opens a dispute on a registered work, with a bond of at least `minBond`.
    /// @param workId The work.
    /// @param evidenceURI Where the evidence is published.
    /// @return disputeId The new dispute's number.
    function openDispute(uint256 workId, string calldata evidenceURI)
        external
        payable
        returns (uint256 disputeId)
    {
        REGISTRY.ownerOf(workId); // reverts for an unregistered work
        if (msg.value < minBond || msg.value > type(uint88).max) {
            revert InsufficientBond(msg.value, minBond);
        }
        disputeId = ++disputeCount;
        _disputes[disputeId] = Dispute(msg.sender, uint88(msg.value), DisputeStatus.Open, workId);
        emit DisputeOpened(disputeId, workId, msg.sender, msg.value, evidenceURI);
    }

    /// @notice Decides a dispute (arbiter only).
    /// @param disputeId The dispute.
    /// @param upheld True flags the work and returns the bond; false pays it to the owner.
    function resolveDispute(uint256 disputeId, bool upheld) external onlyRole(ARBITER_ROLE) {
        Dispute storage entry = _disputes[disputeId];
        if (entry.status != DisputeStatus.Open) revert DisputeNotOpen(disputeId);
        uint256 workId = entry.workId;
        address recipient;
        if (upheld) {
            entry.status = DisputeStatus.Upheld;
            _works[workId].flagged = true;
            recipient = entry.claimant;
        } else {
            entry.status = DisputeStatus.Rejected;
            recipient = REGISTRY.ownerOf(workId);
        }
        _balances[recipient] += entry.bond;
        emit DisputeResolved(disputeId, workId, upheld, recipient);
    }

    /// @notice Sets the protocol fee and its treasury (admin only).
    /// @param treasury Who receives the fee.
    /// @param feeBps Basis points of each sale, at most `MAX_FEE_BPS`.
    function setFee(address treasury, uint16 feeBps) external onlyRole(DEFAULT_ADMIN_ROLE) {
        if (feeBps > MAX_FEE_BPS || (feeBps != 0 && treasury == address(0))) {
            revert InvalidFee(feeBps);
        }
        _fee = FeeConfig(treasury, feeBps);
        emit FeeChanged(treasury, feeBps);
    }

    /// @notice Sets the bond needed to open a dispute (admin only).
    /// @param minBond_ Wei.
    function setMinBond(uint256 minBond_) external onlyRole(DEFAULT_ADMIN_ROLE) {
        minBond = minBond_;
        emit MinBondChanged(minBond_);
    }

    /// @inheritdoc ILicenseChecker
    function hasValidLicense(address account, uint256 workId, LicenseKind kind)
        external
        view
        returns (bool)
    {
        return _licenses[_licenseKey(account, workId, kind)].expiry > block.timestamp;
    }

    /// @notice An account's licence of one kind on a work (zero if none).
    function licenseOf(address account, uint256 workId, LicenseKind kind)
        external
        view
        returns (License memory)
    {
        return _licenses[_licenseKey(account, workId, kind)];
    }

    /// @notice Wei that `account` can withdraw.
    function withdrawable(address account) external view returns (uint256) {
        return _balances[account];
    }

    /// @notice One offer on a work.
    function offer(uint256 workId, uint256 offerId) external view returns (Offer memory) {
        return _offers[workId][offerId];
    }

    /// @notice A work's royalty split.
    function payees(uint256 workId)
        external
        view
        returns (address[] memory accounts, uint16[] memory sharesBps)
    {
        uint256 count = _works[workId].payeeCount;
        accounts = new address[](count);
        sharesBps = new uint16[](count);
        for (uint256 i; i < count; ++i) {
            Payee memory payee = _payees[workId][i];
            (accounts[i], sharesBps[i]) = (payee.account, payee.shareBps);
        }
    }

    /// @notice Whether an upheld dispute flagged the work.
    function isFlagged(uint256 workId) external view returns (bool) {
        return _works[workId].flagged;
    }

    /// @notice Number of offers ever created on a work.
    function offerCount(uint256 workId) external view returns (uint256) {
        return _works[workId].offerCount;
    }

    /// @notice One dispute.
    function dispute(uint256 disputeId) external view returns (Dispute memory) {
        return _disputes[disputeId];
    }

    /// @notice The protocol fee and its treasury.
    function fee() external view returns (address treasury, uint16 feeBps) {
        return (_fee.treasury, _fee.feeBps);
    }

    function _credit(uint256 workId, uint256 payeeCount, uint256 amount) private {
        if (amount == 0) return;
        FeeConfig memory config = _fee;
        if (config.feeBps != 0) {
            uint256 cut = amount * config.feeBps / BPS;
            _balances[config.treasury] += cut;
            amount -= cut;
        }
        uint256 left = amount;
        uint256 last = payeeCount - 1;
        for (uint256 i; i < last; ++i) {
            Payee memory payee = _payees[workId][i];
            uint256 share = amount * payee.shareBps / BPS;
            _balances[payee.account] += share;
            left -= share;
        }
        _balances[_payees[workId][last].account] += left;
    }

    function _extend(uint64 current, uint40 duration) private view returns (uint64) {
        if (duration == 0 || current == PERPETUAL) return PERPETUAL;
        uint256 from = current > block.timestamp ? current : block.timestamp;
        return uint64(from + duration);
    }

    function _licenseKey(address account, uint256 workId, LicenseKind kind)
        private
        pure
        returns (bytes32)
    {
        return keccak256(abi.encode(account, workId, kind));
    }
}
