import { conformanceSuite, InMemory } from "@notiflows/testing"

conformanceSuite("in-memory", InMemory.layer)
