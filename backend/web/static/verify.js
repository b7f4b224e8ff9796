// Verify page: hash a file in the browser, ask /v1/verify, show the provenance.

import { WORK_ID, post, sha256Hex } from "./api.js";
import {
  accountLink, badge, definitions, formatEth, formatTime, h, hashText, notice, workLink,
} from "./dom.js";

export function verifyPage(view) {
  const result = h("section", { id: "result", "aria-label": "Result" });
  const input = h("input", { type: "file", id: "file", class: "sr-only" });
  const drop = h("label", { for: "file", class: "drop", id: "drop" },
    h("strong", {}, "Drop a file here"), h("span", {}, "or click to choose one"),
    h("small", {}, "The file never leaves your browser: only its SHA-256 is sent."));
  const hashInput = h("input", {
    id: "hash", name: "hash", placeholder: "0x… (64 hex digits)", spellcheck: "false",
    autocomplete: "off", pattern: "0x[0-9a-fA-F]{64}",
  });
  const hashForm = h("form", { class: "inline" },
    h("label", { for: "hash" }, "Or paste a content hash"), hashInput,
    h("button", { type: "submit" }, "Verify"));

  const run = async (hashPromise, label) => {
    result.replaceChildren(notice(`Checking ${label ?? "the hash"}…`));
    try {
      const contentHash = await hashPromise;
      const provenance = await post("/v1/verify", { content_hash: contentHash });
      result.replaceChildren(...renderProvenance(provenance, label));
    } catch (error) {
      result.replaceChildren(notice(error.message, "error"));
    }
  };
  input.addEventListener("change", () => {
    const file = input.files?.[0];
    if (file) run(sha256Hex(file), file.name);
  });
  drop.addEventListener("dragover", (event) => {
    event.preventDefault();
    drop.classList.add("over");
  });
  drop.addEventListener("dragleave", () => drop.classList.remove("over"));
  drop.addEventListener("drop", (event) => {
    event.preventDefault();
    drop.classList.remove("over");
    const file = event.dataTransfer?.files?.[0];
    if (file) run(sha256Hex(file), file.name);
  });
  hashForm.addEventListener("submit", (event) => {
    event.preventDefault();
    const value = hashInput.value.trim();
    if (WORK_ID.test(value)) run(Promise.resolve(value.toLowerCase()), null);
    else result.replaceChildren(notice("A content hash is 0x and 64 hex digits.", "error"));
  });

  view.replaceChildren(
    h("h1", {}, "Verify a file"),
    h("p", { class: "lede" }, "Find out whether a file is registered, who created and owns it, "
      + "and everything that happened to it since."),
    input, drop, hashForm, result);
}

export function renderProvenance(p, label) {
  if (!p.registered) {
    return [
      h("div", { class: "verdict no", id: "verdict" },
        h("h2", {}, "Not registered"),
        h("p", {}, `No work with this content hash is registered on chain ${p.chain_id}.`),
        label ? h("p", { class: "small" }, label) : "",
        h("p", { class: "mono small" }, p.content_hash)),
    ];
  }
  const doc = p.metadata?.document ?? {};
  return [
    h("div", { class: `verdict ${p.flagged ? "flagged" : "yes"}`, id: "verdict" },
      h("h2", {}, p.flagged ? "Registered — flagged by an upheld dispute" : "Registered"),
      h("p", {}, doc.title ? `“${doc.title}”` : "", doc.creator_name ? ` by ${doc.creator_name}` : ""),
      h("p", { class: "small" }, label ? `${label} · ` : "", "SHA-256 ", hashText(p.content_hash)),
      h("p", {}, workLink(p.work.work_id, "Open the work page"))),
    h("div", { class: "columns" },
      h("section", { "aria-labelledby": "tl-h" },
        h("h2", { id: "tl-h" }, "Timeline"), timeline(p)),
      h("section", { "aria-labelledby": "checks-h" },
        h("h2", { id: "checks-h" }, "Checks"), checks(p),
        h("h2", {}, "Lineage"), lineage(p.lineage),
        h("h2", {}, "Work"), definitions([
          ["Creator", accountLink(p.work.creator)],
          ["Owner", accountLink(p.work.owner)],
          ["Content hash", hashText(p.content_hash)],
          ["Contract", hashText(p.contract_address)],
          ["Chain id", String(p.chain_id)],
        ]))),
  ];
}

function timeline(p) {
  const events = [];
  for (const t of p.custody) {
    events.push({
      block: t.block_number, order: t.log_index, time: t.timestamp, tx: t.tx_hash,
      kind: t.kind === "registration" ? "registration" : "transfer",
      title: t.kind === "registration" ? "Registered" : "Transferred",
      body: t.kind === "registration"
        ? ["by ", accountLink(t.to_address)]
        : ["from ", accountLink(t.from_address), " to ", accountLink(t.to_address)],
    });
  }
  for (const l of p.licenses) {
    events.push({
      block: l.block_number, order: 0, time: l.timestamp, tx: l.tx_hash, kind: "licence",
      title: `${l.acquired === "purchase" ? "Licence sold" : "Licence transferred"} (${l.kind})`,
      body: ["to ", accountLink(l.holder), ` for ${formatEth(l.price_wei)}, `,
        l.perpetual ? "perpetual" : `until ${formatTime(l.expiry)}`,
        l.valid_now ? "" : " (expired)"],
    });
  }
  for (const d of p.disputes) {
    events.push({
      block: d.block_number, order: 0, tx: d.tx_hash, kind: `dispute ${d.status}`,
      title: `Dispute #${d.dispute_id}: ${d.status}`,
      body: ["claimant ", accountLink(d.claimant), `, bond ${formatEth(d.bond_wei)}, evidence `,
        h("span", { class: "mono" }, d.evidence_uri)],
    });
  }
  events.sort((a, b) => a.block - b.block || a.order - b.order);
  return h("ol", { class: "timeline", id: "timeline" }, events.map((e) =>
    h("li", { class: `event ${e.kind}` },
      h("p", { class: "what" }, h("strong", {}, e.title), " ", e.body),
      h("p", { class: "when small" }, e.time ? `${formatTime(e.time)} · ` : "",
        `block ${e.block} · tx `, hashText(e.tx)))));
}

function checks(p) {
  const items = [];
  const m = p.metadata;
  if (!m || !m.available) {
    items.push(["warn", "Metadata unavailable", "the service holds no document for the on-chain hash"]);
  } else if (m.matches) {
    items.push(["ok", "Metadata matches", "the document hashes to the value recorded on chain"]);
  } else {
    items.push(["bad", "Metadata tampered", "the held document does not hash to the on-chain value"]);
  }
  const c = p.chain_check;
  if (c) {
    items.push(c.consistent
      ? ["ok", "Chain cross-check passed", `owner and registration receipt match the chain at block ${c.checked_at_block}`]
      : ["bad", "Chain cross-check failed",
        `${c.owner_matches ? "" : "owner differs; "}${c.receipt_matches ? "" : "receipt differs; "}at block ${c.checked_at_block}`]);
  }
  items.push(p.flagged
    ? ["bad", "Flagged", "an upheld dispute stops new licence sales"]
    : ["ok", "Not flagged", `${p.disputes.length} dispute${p.disputes.length === 1 ? "" : "s"} on record`]);
  return h("ul", { class: "checks", id: "checks" }, items.map(([tone, title, detail]) =>
    h("li", { class: tone }, badge(tone === "ok" ? "✓" : tone === "warn" ? "?" : "✗", tone),
      h("div", {}, h("strong", {}, title), h("p", { class: "small" }, detail)))));
}

function lineage(l) {
  return h("ul", { class: "plain" },
    h("li", {}, "Parent: ", l.parent ? workLink(l.parent) : "none (an original work)"),
    h("li", {}, `Derivatives (${l.derivatives.length})`, l.derivatives.length ? ": " : "",
      l.derivatives.map((d, i) => [i ? ", " : "", workLink(d)])));
}
