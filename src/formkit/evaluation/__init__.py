"""What the evaluation knows of each unit, read by the dossier, the review and the notices alike."""
