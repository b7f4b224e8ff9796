// Building DOM nodes: every piece of data goes in as a text node, never as HTML.

export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === null || value === undefined || value === false) continue;
    if (key === "class") el.className = value;
    else if (key.startsWith("on")) el.addEventListener(key.slice(2), value);
    else el.setAttribute(key, value === true ? "" : String(value));
  }
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : String(child));
  }
  return el;
}

export function short(hex) {
  const text = String(hex ?? "");
  return text.length > 14 ? `${text.slice(0, 8)}…${text.slice(-6)}` : text;
}

export function workLink(workId, label) {
  const mono = label === undefined || label === null;
  return h("a", { href: `#/works/${workId}`, class: mono ? "mono" : null, title: workId },
    mono ? short(workId) : label);
}

export function accountLink(address) {
  return h("a", { href: `#/accounts/${address}`, class: "mono", title: address }, short(address));
}

export function hashText(hex) {
  return h("span", { class: "mono", title: hex }, short(hex));
}

export function formatEth(wei) {
  const value = BigInt(String(wei));
  const unit = 10n ** 18n;
  const fraction = (value % unit).toString().padStart(18, "0").replace(/0+$/, "");
  return `${value / unit}${fraction ? `.${fraction}` : ""} ETH`;
}

export function formatDuration(seconds) {
  const s = Number(seconds);
  if (s === 0) return "perpetual";
  const days = s / 86400;
  if (Number.isInteger(days)) return `${days} day${days === 1 ? "" : "s"}`;
  const hours = s / 3600;
  return Number.isInteger(hours) ? `${hours} h` : `${s} s`;
}

export function formatTime(unixSeconds) {
  if (unixSeconds === null || unixSeconds === undefined) return "";
  return new Date(Number(unixSeconds) * 1000).toISOString().slice(0, 16).replace("T", " ") + " UTC";
}

export function definitions(pairs) {
  return h("dl", { class: "facts" },
    pairs.filter(([, value]) => value !== null && value !== undefined && value !== "")
      .map(([term, value]) => [h("dt", {}, term), h("dd", {}, value)]));
}

export function badge(text, tone) {
  return h("span", { class: `badge ${tone}` }, text);
}

export function notice(text, tone = "info") {
  return h("p", { class: `notice ${tone}`, role: tone === "error" ? "alert" : "status" }, text);
}
