/**
 * Collects placeholder names and values for one DynamoDB expression set, so that reserved words
 * (`status`, `name`, …) never need thought. Internal to the store.
 */
export class Expression {
  readonly #names: Record<string, string> = {};
  readonly #values: Record<string, unknown> = {};
  #next = 0;

  /** `#attribute`, registered. */
  name(attribute: string): string {
    const placeholder = `#${attribute}`;
    this.#names[placeholder] = attribute;
    return placeholder;
  }

  /** A fresh `:vN` bound to `value`. */
  value(value: unknown): string {
    const placeholder = `:v${this.#next}`;
    this.#next += 1;
    this.#values[placeholder] = value;
    return placeholder;
  }

  /** `#a = :v0, #b = :v1` for every defined field. */
  assignments(fields: Readonly<Record<string, unknown>>): string {
    return Object.entries(fields)
      .filter(([, value]) => value !== undefined)
      .map(([attribute, value]) => `${this.name(attribute)} = ${this.value(value)}`)
      .join(', ');
  }

  /** The attribute maps for a command; each omitted when empty (DynamoDB rejects empty maps). */
  params(): {
    ExpressionAttributeNames?: Record<string, string>;
    ExpressionAttributeValues?: Record<string, unknown>;
  } {
    return {
      ...(Object.keys(this.#names).length > 0 ? { ExpressionAttributeNames: this.#names } : {}),
      ...(Object.keys(this.#values).length > 0 ? { ExpressionAttributeValues: this.#values } : {}),
    };
  }
}
