import { modelLaws } from "@notiflows/testing"

modelLaws()
