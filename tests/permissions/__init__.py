"""The permission matrix: every root field against every caller, in and out of scope.

``model`` says what a row and a cell are and how a row's rule gives each cell's expected
outcome; ``targets`` makes what the operations act on; ``table`` holds one row per root
field; ``runner`` sends the calls and compares; ``test_matrix`` runs it all.
"""
