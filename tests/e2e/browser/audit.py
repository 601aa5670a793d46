"""What every page of the browser walk is checked for, besides what the walk itself expects:

- **accessibility**: axe-core (WCAG 2.0/2.1 A and AA rules) finds no critical or serious
  violation;
- **one language at a time**: the page says ``lang`` in the reader's language, and a
  Vietnamese page shows no English. English is detected by words that occur in English
  sentences and in no Vietnamese one ("the", "is", "must", "cannot", "required" …), in the
  text a person sees, less what is marked as being in another language (the "English"
  switch is ``lang="en"``). An untranslated message, a service's English problem detail
  or a marshmallow message would show one of them.
"""

from __future__ import annotations

import re
from pathlib import Path

from playwright.sync_api import Page

WCAG_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
# Words of English sentences that no Vietnamese sentence (nor a Vietnamese name, place or
# abbreviation) uses: not "in" (in = print), "an" (An Giang, an toàn) or "to" (to lớn).
ENGLISH = re.compile(
    r"\b(the|is|are|was|were|be|been|not|no longer|must|cannot|can't|should|would|required|between|"
    r"length|missing|invalid|field|please|this|that|these|with|from|into|your|you|has|have|"
    r"of|and|or|for|by|its|plan|plans|task|tasks|comment|decision|approve|approved|"
    r"return|returned|reject|rejected|submit|submitted|withdraw|error|failed|not found|already|"
    r"level|scope|draft|status|version|notification|notifications)\b",
    re.IGNORECASE,
)

_VISIBLE_TEXT_IN_PAGE_LANGUAGE = """() => {
  const copy = document.body.cloneNode(true);
  const language = document.documentElement.lang;
  copy.querySelectorAll('[lang]').forEach(e => { if (e.lang !== language) e.remove(); });
  copy.querySelectorAll('script, style, template, [hidden], .sr-only-code').forEach(e => e.remove());
  return copy.innerText || copy.textContent || '';
}"""

_AXE_RUN = """async (tags) => {
  const result = await axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']});
  return result.violations
    .filter(v => v.impact === 'critical' || v.impact === 'serious')
    .map(v => `${v.impact} ${v.id}: ${v.help} — ${v.nodes.slice(0, 5).map(n => n.target.join(' ')).join(' | ')}`);
}"""


def audit(page: Page, name: str, axe: Path, *, locale: str = "vi") -> list[str]:
    """Everything wrong with the page now open, each line naming the page."""
    problems: list[str] = []
    language = page.evaluate("document.documentElement.lang")
    if language != locale:
        problems.append(f"{name}: <html lang={language!r}>, expected {locale!r}")
    if locale == "vi":
        text = page.evaluate(_VISIBLE_TEXT_IN_PAGE_LANGUAGE)
        for line in text.splitlines():
            found = sorted({match.group(0).lower() for match in ENGLISH.finditer(line)})
            if found:
                problems.append(f"{name}: English on a Vietnamese page ({', '.join(found)}): {line.strip()[:160]!r}")
    if page.evaluate("typeof window.axe") == "undefined":
        page.add_script_tag(path=str(axe))
    for violation in page.evaluate(_AXE_RUN, WCAG_AA):
        problems.append(f"{name}: {violation}")
    return problems
