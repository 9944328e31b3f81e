import { mergeLaws } from "@notiflows/testing"

mergeLaws()
