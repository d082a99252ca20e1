"""keysweep: find leaked credentials and check them against live cloud IAM."""

__version__ = "0.1.0"
