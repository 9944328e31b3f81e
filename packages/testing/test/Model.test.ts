import { InMemory, categoriesSuite } from "@notiflows/testing"

// The model (MODEL.md) conformance suites on the reference adapters.
categoriesSuite("in-memory categories", InMemory.layer)
