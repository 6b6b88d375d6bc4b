"""The Responses protocol (`response.*` events): names, models, lifecycle, accumulation."""
