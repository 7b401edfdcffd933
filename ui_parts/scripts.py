"""The page's few lines of JavaScript, kept apart so they can be read (and tested in a browser) as a whole.

- `PAGE_JS` (runs once): a marker `[n]` scrolls to its extract, highlights it for a moment and moves keyboard focus
  there; every `aria-label` in the chat that holds markup (Gradio labels a message with its HTML) is replaced by
  "Answer: " or "Your question: " and the message's plain text, so screen readers read words, not tags.
- `AFTER_ANSWER_JS`: after an answer arrives, the view shows its top (not its end) and focus moves to it.
- `COPY_JS`: puts the latest answer's Markdown (with its citations) on the clipboard and says so on the button.
Left out: anything that changes what the answer says; every word shown comes from the server.
"""

PAGE_JS = r"""
() => {
  const plain = (el) => (el.innerText || el.textContent || "").replace(/\s+/g, " ").trim().slice(0, 1000);
  // Gradio labels each message "bot's message: " + its HTML; a label is made plain text from what the message
  // shows (once it has rendered: a message still empty keeps a short label and is fixed on a later mutation)
  const fixLabels = () => {
    document.querySelectorAll("#di-chat [aria-label]").forEach((el) => {
      const label = el.getAttribute("aria-label") || "";
      const pending = el.hasAttribute("data-di-pending");
      if (label === el.getAttribute("data-di-label") && !pending) return;  // ours (the text may itself hold "<")
      if (!/[<>]|&#\d+;/.test(label) && !pending) return;
      const who = (el.getAttribute("data-testid") || "") === "user" ? "Your question" : "Answer";
      const text = plain(el);
      const mine = text ? `${who}: ${text}` : who;
      // attributes are only written when they change: every write is itself a mutation this observer sees
      if (el.getAttribute("data-di-label") !== mine) el.setAttribute("data-di-label", mine);
      if (label !== mine) el.setAttribute("aria-label", mine);
      if (text && pending) el.removeAttribute("data-di-pending");
      if (!text && !pending) el.setAttribute("data-di-pending", "");
    });
  };
  new MutationObserver(fixLabels).observe(document.body, {
    subtree: true, childList: true, attributes: true, attributeFilter: ["aria-label"],
  });
  const follow = (link) => {
    const id = (link.getAttribute("href") || "").slice(1);
    const target = id && document.getElementById(id);
    if (!target) return false;
    const details = target.closest("details");
    if (details) details.open = true;
    target.scrollIntoView({ block: "center" });
    target.classList.add("di-target");
    target.focus({ preventScroll: true });
    setTimeout(() => target.classList.remove("di-target"), 2500);
    return true;
  };
  document.addEventListener("click", (event) => {
    const link = event.target.closest && event.target.closest("a.di-marker");
    if (link && follow(link)) event.preventDefault();
  });
}
"""

AFTER_ANSWER_JS = r"""
() => {
  const answers = document.querySelectorAll("#di-chat .di-answer, #di-chat .di-notice");
  const last = answers[answers.length - 1];
  if (last) {
    const box = last.closest(".message-wrap, .message, .bubble-wrap") || last;
    box.scrollIntoView({ block: "start" });
    last.focus({ preventScroll: true });
  }
}
"""

COPY_JS = r"""
async (markdown) => {
  const button = document.querySelector("#di-copy");
  const say = (text) => {
    if (!button) return;
    const was = button.dataset.diLabel || button.textContent;
    button.dataset.diLabel = was;
    button.textContent = text;
    setTimeout(() => { button.textContent = was; }, 2000);
  };
  if (!markdown) { say("Nothing to copy yet"); return []; }
  try {
    await navigator.clipboard.writeText(markdown);  // needs a secure page (https or localhost)
    say("Copied");
  } catch (e) {
    // plain http on a network address: fall back to a selected text area and the copy command
    const area = document.createElement("textarea");
    area.value = markdown;
    area.setAttribute("readonly", "");
    area.style.position = "fixed";
    area.style.left = "-10000px";
    document.body.appendChild(area);
    area.select();
    const ok = document.execCommand && document.execCommand("copy");
    area.remove();
    say(ok ? "Copied" : "Copy failed: select the text instead");
  }
  return [];
}
"""
