"""Smart triage engine, free of Django: text normalisation, the routing classifier, its
versioned serialisation, the near-duplicate index, similar-reply retrieval and hotspot
clustering. ``triage`` (the Django app) feeds it cases and stores what it returns.

See docs/decisions/0002-routing-model.md for why the model is what it is."""

from lib.triage.text import MIN_CJK_CHARS, is_meaningful, normalise, words

__all__ = ["MIN_CJK_CHARS", "is_meaningful", "normalise", "words"]
