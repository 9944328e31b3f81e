import { InMemory, categoriesSuite, scopedPreferencesSuite, tenantsSuite } from "@notiflows/testing"

// The model (MODEL.md) conformance suites on the reference adapters.
categoriesSuite("in-memory categories", InMemory.layer)
tenantsSuite("in-memory tenants", InMemory.layer)
scopedPreferencesSuite("in-memory scoped preferences", InMemory.layer)
