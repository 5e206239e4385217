"""How documents execute: the document cache, limits, plans, batched completion."""
