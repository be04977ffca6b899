// Equality as apimachinery's equality.Semantic.DeepEqual sees decoded objects (an absent field
// equals its zero value): one definition, in core/semantic-diff.ts, shared by every kind.

export { semanticEqual } from '../core/semantic-diff.js';
