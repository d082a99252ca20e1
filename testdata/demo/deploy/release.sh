#!/bin/sh
set -eu
export AWS_ACCESS_KEY_ID=AKIAZ4R7QW2LMNPX5HTB
export AWS_SECRET_ACCESS_KEY=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
export AWS_DEFAULT_REGION=eu-west-1
aws s3 sync ./build "s3://${BUCKET}/releases/"
