// Account page: works created, licences held, recommendations with their reasons.

import { get, metadataOf } from "./api.js";
import { accountLink, badge, formatEth, formatTime, h, notice, short, workLink } from "./dom.js";

export async function accountPage(view, address) {
  view.replaceChildren(notice("Loading the account…"));
  const [works, licences, recs] = await Promise.all([
    get(`/v1/works?creator=${address}&limit=50`),
    get(`/v1/licenses?licensee=${address}`),
    get(`/v1/recommendations/${address}?k=10`),
  ]);
  const ids = [...new Set([...works.items, ...licences].map((x) => x.work_id))];
  const docs = await Promise.all(ids.map((id) => metadataOf(id).catch(() => null)));
  const titles = new Map(ids.map((id, i) => [id, docs[i]?.title ?? short(id)]));
  document.title = `Account ${short(address)} · Rights Registry`;
  view.replaceChildren(
    h("h1", {}, "Account ", h("span", { class: "mono" }, address)),
    h("section", { "aria-labelledby": "created-h" },
      h("h2", { id: "created-h" }, `Works created (${works.items.length}${works.next_cursor ? "+" : ""})`),
      works.items.length
        ? h("ul", { class: "cards", id: "created" }, works.items.map((w) => h("li", {},
          workLink(w.work_id, titles.get(w.work_id)),
          h("span", { class: "small" }, ` · ${formatTime(w.registered_at)}`),
          w.owner.toLowerCase() !== w.creator.toLowerCase()
            ? h("span", { class: "small" }, " · now owned by ", accountLink(w.owner)) : "")))
        : notice("No works created by this account.")),
    h("section", { "aria-labelledby": "lic-h" },
      h("h2", { id: "lic-h" }, `Licences (${licences.length})`),
      licences.length
        ? h("ul", { class: "cards", id: "licences" }, licences.map((l) => h("li", {},
          workLink(l.work_id, titles.get(l.work_id)), ` · ${l.kind}, ${formatEth(l.price_wei)}, `,
          l.perpetual ? "perpetual " : `until ${formatTime(l.expiry)} `,
          l.valid_now ? badge("valid", "ok") : badge("expired", "warn"))))
        : notice("No licences held.")),
    h("section", { "aria-labelledby": "rec-h" },
      h("h2", { id: "rec-h" }, "Recommended for this account"),
      h("p", { class: "small" }, recs.strategy === "popular"
        ? "Popular works (not enough history for personal recommendations yet)."
        : `Personal recommendations from model version ${recs.model_version}.`),
      recs.items.length
        ? h("ol", { class: "cards", id: "recommendations" }, recs.items.map((r) => h("li", {},
          workLink(r.work_id, r.title ?? short(r.work_id)),
          recs.strategy === "popular" ? "" : h("span", { class: "small" }, ` · score ${r.score.toFixed(3)}`),
          h("p", { class: "reason" }, r.reason.text,
            r.reason.because.length ? ": " : "",
            r.reason.because.map((b, i) => [i ? ", " : "", workLink(b.work_id, b.title ?? short(b.work_id))])))))
        : notice("Nothing to recommend right now.")));
}
