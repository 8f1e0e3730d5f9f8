"""PeerKit tests."""
