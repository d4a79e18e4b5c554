import type { FieldNode } from "../dissect/tree.js";

export function dissectLayers(): FieldNode[] {
  return [];
}
