"""One loader per layer kind: each turns validated rows into staged columns of its table."""
