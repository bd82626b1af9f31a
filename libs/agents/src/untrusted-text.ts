/**
 * Helpers for text that came from the network (flow-log fields, PTR names,
 * detector summaries built from them). Such text is shown to analysts and, later,
 * handed to language models; it must never be able to break out of its slot.
 */

// C0/C1 control characters, DEL, bidi overrides and zero-width characters: the usual
// tools for hiding or reordering text in a terminal, a page or a prompt
// eslint-disable-next-line no-control-regex
const HIDDEN = /[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]/g;

/** Strip hidden characters, collapse whitespace and cut to `max` characters (with an ellipsis). */
export function sanitizeText(text: string, max = 300): string {
  const clean = text.replace(HIDDEN, ' ').replace(/\s+/g, ' ').trim();
  return clean.length > max ? `${clean.slice(0, max - 1)}…` : clean;
}

/**
 * Quote untrusted text as a JSON string literal: quotes, backslashes and any
 * remaining special characters are escaped, so the text reads as data. Use this
 * whenever untrusted text is placed into reasoning or (later) a prompt.
 */
export function quoteUntrusted(text: string, max = 300): string {
  return JSON.stringify(sanitizeText(text, max));
}

const ENTITY = /^[0-9A-Za-z.:_/-]{1,64}$/;

/**
 * An entity (IP address, CIDR, ENI id, hostname) for display: shown bare when it
 * only has the characters such identifiers use, quoted otherwise.
 */
export function displayEntity(value: string): string {
  return ENTITY.test(value) ? value : quoteUntrusted(value, 64);
}
