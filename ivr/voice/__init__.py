"""The pure voice renderer: a node, a language and the caller's input into TwiML, and what
a caller hears of it (speech, timing, the caller's side of an answer). Builds on
ivr.content only; no request, no app."""
