"""Console users (team accounts): people and invitations, sign-in sessions, two-factor codes, assignment."""
