export * from "./StorageInspector.js"
