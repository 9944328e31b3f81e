import { InMemory, linksSuite } from "@notiflows/testing"

// The links (LINKS.md §1, §2.3) conformance suite on the reference adapters.
linksSuite("in-memory links", InMemory.layer)
