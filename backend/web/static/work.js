// Work page: metadata, owner and licence offers; a wallet can buy a licence.

import { get, metadataOf } from "./api.js";
import {
  accountLink, badge, definitions, formatDuration, formatEth, formatTime, h, hashText, notice,
} from "./dom.js";
import { buyButton } from "./wallet.js";

export async function workPage(view, workId) {
  view.replaceChildren(notice("Loading the work…"));
  const [work, doc, offers] = await Promise.all([
    get(`/v1/works/${workId}`), metadataOf(workId), get(`/v1/works/${workId}/offers`),
  ]);
  const meta = doc ?? {};
  document.title = `${meta.title ?? "Work"} · Rights Registry`;
  view.replaceChildren(
    h("h1", { id: "work-title" }, meta.title ?? "Untitled work"),
    meta.description ? h("p", { class: "lede" }, meta.description) : "",
    h("div", { class: "columns" },
      h("section", { "aria-labelledby": "meta-h" },
        h("h2", { id: "meta-h" }, "Metadata"),
        doc ? "" : notice("The service holds no metadata document for this work.", "warn"),
        definitions([
          ["Title", meta.title],
          ["Creator name", meta.creator_name],
          ["Media type", meta.media_type],
          ["Tags", (meta.tags ?? []).length ? h("span", {}, meta.tags.map((t) => h("span", { class: "tag" }, t))) : ""],
        ])),
      h("section", { "aria-labelledby": "chain-h" },
        h("h2", { id: "chain-h" }, "On chain"),
        definitions([
          ["Owner", accountLink(work.owner)],
          ["Creator", accountLink(work.creator)],
          ["Registered", `${formatTime(work.registered_at)} (block ${work.block_number})`],
          ["Work id", hashText(work.work_id)],
          ["Metadata", h("a", { href: work.metadata_url }, "document")],
        ]),
        h("p", {}, h("a", { href: `#/verify/${workId}` }, "Full provenance")))),
    h("section", { "aria-labelledby": "offers-h" },
      h("h2", { id: "offers-h" }, "Licence offers"), offersTable(workId, offers)));
}

function offersTable(workId, offers) {
  if (!offers.length) return notice("No licence offers on this work yet.");
  return h("table", { class: "offers", id: "offers" },
    h("thead", {}, h("tr", {}, ["#", "Kind", "Price", "Duration", "Sold", "Status", ""]
      .map((c) => h("th", { scope: "col" }, c)))),
    h("tbody", {}, offers.map((o) => h("tr", {},
      h("td", {}, String(o.offer_id)),
      h("td", {}, o.kind),
      h("td", { class: "num" }, formatEth(o.price_wei)),
      h("td", {}, formatDuration(o.duration_seconds)),
      h("td", { class: "num" }, o.max_supply ? `${o.sold} / ${o.max_supply}` : String(o.sold)),
      h("td", {}, o.active ? badge("active", "ok") : badge("inactive", "warn")),
      h("td", {}, o.active ? buyButton(workId, o) : "")))));
}
