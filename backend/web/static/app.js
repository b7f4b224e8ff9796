// Hash routing: #/ (verify), #/verify/<id>, #/works/<id>, #/accounts/<address>.

import { ADDRESS, WORK_ID, post } from "./api.js";
import { accountPage } from "./account.js";
import { h, notice } from "./dom.js";
import { renderProvenance, verifyPage } from "./verify.js";
import { workPage } from "./work.js";

const view = document.getElementById("view");

async function provenancePage(workId) {
  view.replaceChildren(notice("Checking provenance…"));
  const provenance = await post("/v1/verify", { content_hash: workId });
  view.replaceChildren(h("h1", {}, "Provenance"), ...renderProvenance(provenance, null));
}

async function route() {
  const [, page, arg] = (location.hash.replace(/^#/, "") || "/").split("/");
  document.title = "Rights Registry";
  delete view.dataset.ready;
  try {
    if (page === "works" && WORK_ID.test(arg)) await workPage(view, arg.toLowerCase());
    else if (page === "verify" && WORK_ID.test(arg)) await provenancePage(arg.toLowerCase());
    else if (page === "accounts" && ADDRESS.test(arg)) await accountPage(view, arg);
    else if (!page) verifyPage(view);
    else view.replaceChildren(h("h1", {}, "Not found"), notice("No such page.", "error"));
  } catch (error) {
    view.replaceChildren(h("h1", {}, "Something went wrong"), notice(error.message, "error"));
  }
  view.dataset.ready = location.hash || "#/";
}

document.getElementById("goto").addEventListener("submit", (event) => {
  event.preventDefault();
  const value = event.target.elements.q.value.trim();
  if (WORK_ID.test(value)) location.hash = `#/works/${value.toLowerCase()}`;
  else if (ADDRESS.test(value)) location.hash = `#/accounts/${value}`;
  else view.replaceChildren(notice("Enter a work id (0x + 64 hex) or an address (0x + 40 hex).", "error"));
});
window.addEventListener("hashchange", route);
route();
