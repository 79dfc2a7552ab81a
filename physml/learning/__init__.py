"""Representation learning and grokking (Kitouni thesis, chapter 6 and appendix C)."""
