"""The Prisoners' Register feed: its events (admission, move, transfer, status change, out and
back, release, death) applied once each and in each person's order; those that cannot be
applied wait, with the reason, for staff; and the nightly comparison with its full list."""
