"""Cloud identity inventories (boto3) and their pure cross-check with findings."""
