import * as Layer from "effect/Layer"
import { layerModelCache } from "@notiflows/domain"
import { InMemory, categoriesSuite, scopedPreferencesSuite, setListingSuite, tenantsSuite, brandingSuite, webhooksSuite } from "@notiflows/testing"

// The model (MODEL.md) conformance suites on the reference adapters.
categoriesSuite("in-memory categories", InMemory.layer)
tenantsSuite("in-memory tenants", InMemory.layer)
brandingSuite("in-memory branding", InMemory.layer)
webhooksSuite("in-memory webhooks", InMemory.layer)
scopedPreferencesSuite("in-memory scoped preferences", InMemory.layer)
setListingSuite("in-memory every set", InMemory.layer)

// The same suites through the read-through cache: this instance's own writes are seen at once.
const cached = Layer.provideMerge(layerModelCache(), InMemory.layer)
categoriesSuite("cached categories", cached)
tenantsSuite("cached tenants", cached)
scopedPreferencesSuite("cached scoped preferences", cached)
setListingSuite("cached every set", cached)
