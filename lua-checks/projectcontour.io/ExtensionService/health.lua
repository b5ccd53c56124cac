-- Contour ExtensionService: the Valid condition says whether Contour accepted the service.
-- Not yet observed (no status, or observedGeneration behind) -> Progressing; Valid=True ->
-- Healthy; Valid=False -> Degraded with the condition's summary.
return require("contour").valid(obj, "ExtensionService")
