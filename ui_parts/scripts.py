"""The page's few lines of JavaScript, kept apart so they can be read (and tested in a browser) as a whole.

- `PAGE_JS` (runs once): a marker `[n]` scrolls to its extract, highlights it for a moment and moves keyboard focus
  there; every `aria-label` in the chat that holds markup (Gradio labels a message with its HTML) is replaced by
  the element's plain text, so screen readers read words, not tags.
- `AFTER_ANSWER_JS`: after an answer arrives, the view shows its top (not its end) and focus moves to it.
- `COPY_JS`: puts the latest answer's Markdown (with its citations) on the clipboard.
Left out: anything that changes what the answer says; every word shown comes from the server.
"""

PAGE_JS = r"""
() => {
  const plain = (el) => (el.innerText || el.textContent || "").replace(/\s+/g, " ").trim().slice(0, 1000);
  const fixLabels = () => {
    document.querySelectorAll("#di-chat [aria-label]").forEach((el) => {
      const label = el.getAttribute("aria-label") || "";
      if (/[<>]|&#\d+;/.test(label)) el.setAttribute("aria-label", plain(el));
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
(markdown) => {
  if (markdown && navigator.clipboard) navigator.clipboard.writeText(markdown);
  return [];
}
"""
