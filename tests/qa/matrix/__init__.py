"""The authorization matrix (tests/qa/test_authorization_matrix.py): two schools, every operation of
both OpenAPI documents probed by every role of school A with school B's ids."""
