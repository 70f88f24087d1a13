// Focused CESQL behaviour a user notices: parse errors, grouping surprises, compile-once use, filter rule, functions.
import {describe, expect, it} from 'vitest'
import type {CloudEvent} from '../../src/core/cloudevent.js'
import {
  CesqlFunctionError,
  CesqlParseError,
  cesqlMatches,
  compileCesql,
  createFunctionRegistry,
  evaluateCesql,
  formatCesqlNode,
  newFunction,
  parseCesql,
} from '../../src/core/cesql/index.js'

function event(overrides: Partial<CloudEvent> = {}): CloudEvent {
  return {specversion: '1.0', id: 'e1', source: '/s', type: 'com.example.order', extensions: {}, ...overrides}
}

function parseErrorOf(expression: string): CesqlParseError {
  try {
    compileCesql(expression)
  } catch (error) {
    if (error instanceof CesqlParseError) return error
    throw error
  }
  throw new Error(`expected ${JSON.stringify(expression)} not to parse`)
}

describe('CESQL parse errors', () => {
  it('point at the offending token and say what was expected', () => {
    const error = parseErrorOf("type = 'a' AND (source = 'b'")
    expect(error).toMatchObject({offset: 28, line: 1, column: 29, expected: ['an operator', "')'"]})
    expect(error.message).toBe("CESQL parse error at line 1, column 29: unexpected end of input, expected an operator or ')'")
  })

  it('count lines and columns from 1 in multi-line expressions', () => {
    const error = parseErrorOf("type = 'a'\n  AND subject = = 'b'")
    expect(error).toMatchObject({line: 2, column: 17, offset: 27, expected: ['an expression']})
  })

  it('explain that 4-1 is a number followed by a signed literal', () => {
    const error = parseErrorOf('ttl-1 > 0')
    expect(error).toMatchObject({offset: 3, column: 4, expected: ['an operator', 'end of input']})
    expect(error.message).toContain("unexpected '-1'")
    expect(error.message).toContain("write '- 1' with a space")
  })

  it.each([
    ['ABC(', 'an expression'],
    ['1 IN ()', 'an expression'],
    ['x LIKE 123', 'a string literal'],
    ['my_ext = 1', "'('"],
    ['a NOT b', 'LIKE'],
    ['2147483648 > 1', 'an integer from -2147483648 to 2147483647'],
    ["type = 'open", "a closing '"],
  ])('%s is rejected, expecting %s', (expression, expected) => {
    expect(parseErrorOf(expression).expected).toContain(expected)
  })

  it('rejects characters CESQL does not have, where sdk-go would skip them silently', () => {
    expect(parseErrorOf("type = 'a' && true").message).toContain('use AND')
    expect(parseErrorOf('_private = 1').offset).toBe(0)
  })

  it('refuse absurd nesting instead of overflowing the stack', () => {
    expect(parseErrorOf(`${'('.repeat(100_000)}1${')'.repeat(100_000)}`).message).toContain('nested more than')
    expect(evaluateCesql(`${'('.repeat(400)}1${')'.repeat(400)}`, event()).value).toBe(1)
  })

  it('come back as a parse error from evaluateCesql instead of throwing', () => {
    const result = evaluateCesql('ABC(', event())
    expect(result.value).toBe(false)
    expect(result.errors.map((e) => e.kind)).toEqual(['parse'])
    expect(cesqlMatches(result)).toBe(false)
  })
})

describe('CESQL grouping follows the official grammar', () => {
  it.each([
    ['FALSE AND FALSE OR TRUE', '(FALSE AND (FALSE OR TRUE))'],
    ['TRUE OR FALSE AND FALSE', '(TRUE OR (FALSE AND FALSE))'],
    ['TRUE XOR FALSE AND TRUE', '(TRUE XOR (FALSE AND TRUE))'],
    ["NOT type = 'x'", "((NOT type) = 'x')"],
    ["NOT (type = 'x')", "(NOT (type = 'x'))"],
    ['NOT x IN (1, 2)', '((NOT x) IN (1, 2))'],
    ["NOT a LIKE 'b%'", "((NOT a) LIKE 'b%')"],
    ['NOT EXISTS time', '(NOT (EXISTS time))'],
    ["a + b LIKE 'x%'", "(a + (b LIKE 'x%'))"],
    ['1 < 2 = TRUE', '((1 < 2) = TRUE)'],
    ['a = b = c', '((a = b) = c)'],
    ['4 * 2 + 4 / 2', '((4 * 2) + (4 / 2))'],
    ['-10', '-10'],
    ['--10', '(--10)'],
    ['4 - -1', '(4 - -1)'],
    ['1abc = 2', '(1abc = 2)'],
    ['EXISTS 1abc', '(EXISTS 1abc)'],
    ['TYPE = "x"', "(type = 'x')"],
    ['concat_ws(",", Source)', "CONCAT_WS(',', source)"],
    ["'a''b'", "'a\\'\\'b'"],
  ])('%s parses as %s', (expression, grouped) => {
    expect(formatCesqlNode(parseCesql(expression))).toBe(grouped)
  })

  it.each(['4-1', '1+2', 'ttl+1', 'a-1'])('%s is a parse error (the sign belongs to the literal)', (expression) => {
    expect(() => parseCesql(expression)).toThrow(CesqlParseError)
  })

  it('evaluates the surprising groupings the way Knative does', () => {
    expect(evaluateCesql('FALSE AND FALSE OR TRUE', event()).value).toBe(false)
    expect(evaluateCesql('TRUE OR FALSE AND FALSE', event()).value).toBe(true)
    // (NOT type) casts the type string to a boolean first, which fails for anything but 'true'/'false'.
    const notType = evaluateCesql("NOT type = 'com.example.order'", event())
    expect(notType.errors.map((e) => e.kind)).toEqual(['cast'])
    expect(evaluateCesql("NOT (type = 'com.example.order')", event())).toEqual({value: false, errors: []})
  })
})

describe('CESQL values the filter sees', () => {
  it('NOT 10 is false without an error, as in sdk-go', () => {
    expect(evaluateCesql('NOT 10', event())).toEqual({value: false, errors: []})
  })

  it('compares integer extensions as numbers, and string ones after a cast', () => {
    expect(evaluateCesql('knativebrokerttl < 30', event({extensions: {knativebrokerttl: 25}})).value).toBe(true)
    expect(evaluateCesql('knativebrokerttl < 30', event({extensions: {knativebrokerttl: '25'}})).value).toBe(true)
    expect(evaluateCesql('sequence = 5', event({extensions: {sequence: '5'}})).value).toBe(true)
  })

  it('treats an unset optional attribute as missing', () => {
    const result = evaluateCesql("subject = ''", event())
    expect(result).toEqual({value: false, errors: [{kind: 'missingAttribute', message: "missing attribute 'subject'"}]})
    expect(cesqlMatches(result)).toBe(false)
  })

  it('shows time the way sdk-go formats it (RFC 3339, trailing fraction zeros dropped, Z for UTC)', () => {
    const withTime = event({time: '2020-03-21T12:34:56.780+00:00'})
    expect(evaluateCesql('time', withTime).value).toBe('2020-03-21T12:34:56.78Z')
    expect(evaluateCesql('time', event({time: '2018-04-26T14:48:09+02:00'})).value).toBe('2018-04-26T14:48:09+02:00')
  })

  it('wraps integer arithmetic at 32 bits like Go int32', () => {
    expect(evaluateCesql('2147483647 + 1', event()).value).toBe(-2147483648)
    expect(evaluateCesql('-2147483648 / -1', event()).value).toBe(-2147483648)
    expect(evaluateCesql('-7 % 2', event()).value).toBe(-1)
  })

  it("matches LIKE as the spec intends, also where sdk-go's matcher lets a literal '%' in the value swallow the wildcard", () => {
    expect(evaluateCesql("'a%xc' LIKE 'a%c'", event()).value).toBe(true)
    expect(evaluateCesql("'abxc' LIKE 'a%c'", event()).value).toBe(true)
    expect(evaluateCesql("'a%c' LIKE 'a\\%c'", event()).value).toBe(true)
    expect(evaluateCesql("'abc' LIKE 'a\\%c'", event()).value).toBe(false)
    expect(evaluateCesql("'a.c' LIKE 'a_c'", event()).value).toBe(true)
    expect(evaluateCesql("'a(c' LIKE 'a(%'", event()).value).toBe(true)
  })

  it('counts characters, not bytes', () => {
    expect(evaluateCesql("LENGTH('héllo')", event()).value).toBe(5)
    expect(evaluateCesql("'\u{1F600}b' LIKE '_b'", event()).value).toBe(true)
    expect(evaluateCesql("LEFT('\u{1F600}\u{1F601}', 1)", event()).value).toBe('\u{1F600}')
  })

  it('passes the filter only for true with no errors', () => {
    expect(cesqlMatches({value: true, errors: []})).toBe(true)
    expect(cesqlMatches({value: 'true', errors: []})).toBe(false)
    expect(cesqlMatches({value: true, errors: [{kind: 'math', message: 'division by zero'}]})).toBe(false)
  })
})

describe('compiled CESQL expressions', () => {
  it('are compiled once and evaluated against many events', () => {
    const expression = compileCesql("type LIKE 'com.example.%' AND INT(priority) >= 5")
    expect(expression.source).toBe("type LIKE 'com.example.%' AND INT(priority) >= 5")
    const results = [
      event({extensions: {priority: 7}}),
      event({extensions: {priority: '3'}}),
      event({type: 'org.other', extensions: {priority: 9}}),
      event(),
    ].map((e) => expression.evaluate(e))
    expect(results.map((r) => r.value)).toEqual([true, false, false, false])
    expect(results.map((r) => r.errors.map((e) => e.kind))).toEqual([[], [], [], ['missingAttribute']])
    expect(results.map(cesqlMatches)).toEqual([true, false, false, false])
  })

  it('resolve functions when evaluated, so a function added to the registry later is found (as in sdk-go)', () => {
    const functions = createFunctionRegistry()
    const expression = compileCesql("SHOUT(type) = 'COM.EXAMPLE.ORDER!'", {functions})
    expect(expression.evaluate(event()).errors.map((e) => e.kind)).toEqual(['missingFunction'])
    functions.addFunction(newFunction('shout', ['String'], undefined, ([s]) => `${String(s).toUpperCase()}!`, 'String'))
    expect(expression.evaluate(event())).toEqual({value: true, errors: []})
  })
})

describe('user-defined functions', () => {
  it('report a thrown error as functionEvaluation with the zero value of the return type', () => {
    const functions = createFunctionRegistry()
      .addFunction(
        newFunction(
          'BOOM',
          [],
          undefined,
          () => {
            throw new Error('kaput')
          },
          'Integer',
        ),
      )
      .addFunction(newFunction('HALF', ['Integer'], undefined, ([n]) => Number(n) / 2, 'Integer'))
      .addFunction(
        newFunction(
          'STRICT',
          ['Integer'],
          undefined,
          ([n]) => {
            throw new CesqlFunctionError('negative', {kind: 'math', value: Number(n)})
          },
          'Integer',
        ),
      )
    expect(compileCesql('BOOM()', {functions}).evaluate(event())).toEqual({
      value: 0,
      errors: [{kind: 'functionEvaluation', message: 'BOOM failed: kaput'}],
    })
    // 3 / 2 is not an Integer, so the result is rejected rather than leaking a fraction.
    expect(
      compileCesql('HALF(3)', {functions})
        .evaluate(event())
        .errors.map((e) => e.kind),
    ).toEqual(['functionEvaluation'])
    expect(compileCesql('STRICT(-4)', {functions}).evaluate(event())).toEqual({value: -4, errors: [{kind: 'math', message: 'negative'}]})
  })

  it('cast their arguments to the declared types first', () => {
    const functions = createFunctionRegistry().addFunction(newFunction('TWICE', ['Integer'], undefined, ([n]) => Number(n) * 2, 'Integer'))
    expect(compileCesql("TWICE('21')", {functions}).evaluate(event()).value).toBe(42)
    expect(
      compileCesql("TWICE('x')", {functions})
        .evaluate(event())
        .errors.map((e) => e.kind),
    ).toEqual(['cast'])
  })

  it('follow sdk-go registration rules', () => {
    const functions = createFunctionRegistry()
    expect(() => functions.addFunction(newFunction('LENGTH', ['String'], undefined, () => 0))).toThrow(/already defined/)
    expect(() => functions.addFunction(newFunction('CONCAT', ['String'], 'String', () => ''))).toThrow(/variadic/)
    expect(() => newFunction('MY1', [], undefined, () => 0)).toThrow(TypeError)
    expect(() => newFunction('like', [], undefined, () => 0)).toThrow(TypeError)
  })
})
