// Buying a licence with an injected wallet (EIP-1193): the API prepares, the wallet sends.

import { post } from "./api.js";
import { h } from "./dom.js";

const hex = (value) => "0x" + BigInt(String(value)).toString(16);

export function buyButton(workId, offer) {
  if (!window.ethereum) return "";
  const status = h("span", { class: "small", role: "status" });
  const button = h("button", { type: "button" }, "Buy licence");
  button.addEventListener("click", async () => {
    button.disabled = true;
    status.textContent = " waiting for the wallet…";
    try {
      const [sender] = await window.ethereum.request({ method: "eth_requestAccounts" });
      const { transaction: tx } = await post("/v1/licenses",
        { work_id: workId, offer_id: offer.offer_id, sender });
      const chainId = await window.ethereum.request({ method: "eth_chainId" });
      if (BigInt(chainId) !== BigInt(tx.chainId)) {
        throw new Error(`Switch the wallet to chain ${tx.chainId}.`);
      }
      const hash = await window.ethereum.request({
        method: "eth_sendTransaction",
        params: [{ from: sender, to: tx.to, data: tx.data, value: hex(tx.value), gas: hex(tx.gas) }],
      });
      status.textContent = ` sent: ${hash}`;
    } catch (error) {
      status.textContent = ` ${error.message ?? error}`;
      button.disabled = false;
    }
  });
  return h("span", {}, button, status);
}
