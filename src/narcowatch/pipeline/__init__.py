"""The pipeline: store raw items first, then run the stages in order; plus the job queue."""
