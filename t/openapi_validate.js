#!/usr/bin/env node
'use strict';

// Validates JSON answers against the response schemas of docs/openapi.yaml
// (bundled to JSON by `redocly bundle --ext json`), with ajv's JSON Schema
// 2020-12 validator (the dialect of OpenAPI 3.1) and ajv-formats.
//
//   node t/openapi_validate.js SPEC.json PATH METHOD STATUS [BODY-FILE]
//       one answer (the body from BODY-FILE, or stdin); exit 0 valid, 1 not
//   node t/openapi_validate.js SPEC.json --cases FILE
//       JSON lines {"path", "method", "status", "body"}: one line out for
//       each, {"ok": true|false, "errors": [...]}
//
// PATH is the spec's path template (/api/v1/dossiers/{code}); STATUS the
// answer's status.  A status the operation does not list, or one without
// an application/json schema, is a failure: the spec must say it.

const fs = require('fs');
const path = require('path');
const { createRequire } = require('module');

const tools = createRequire(path.join(__dirname, '..', 'tools',
    'package.json'));
const Ajv2020 = tools('ajv/dist/2020').default;
const addFormats = tools('ajv-formats').default;

function usage() {
    process.stderr.write('usage: openapi_validate.js SPEC.json PATH METHOD '
        + 'STATUS [BODY-FILE] | SPEC.json --cases FILE\n');
    process.exit(2);
}

const argv = process.argv.slice(2);
if (argv.length < 2) {
    usage();
}

const spec = JSON.parse(fs.readFileSync(argv[0], 'utf8'));
const ajv = new Ajv2020({ strict: false, allErrors: true });
addFormats(ajv);
// the whole document, so that a schema's $ref '#/components/...' resolves
ajv.addSchema(spec, 'openapi');

function pointer(ref) {
    if (!ref.startsWith('#/')) {
        throw new Error(`not a local reference: ${ref}`);
    }
    let node = spec;
    for (const raw of ref.slice(2).split('/')) {
        const key = raw.replace(/~1/g, '/').replace(/~0/g, '~');
        node = node[key];
        if (node === undefined) {
            throw new Error(`no ${ref} in the spec`);
        }
    }
    return node;
}

function esc(s) {
    return s.replace(/~/g, '~0').replace(/\//g, '~1');
}

const compiled = new Map();

function check(p, method, status, body) {
    const op = spec.paths?.[p]?.[method.toLowerCase()];
    if (!op) {
        return [`the spec has no ${method} ${p}`];
    }
    let where = `#/paths/${esc(p)}/${method.toLowerCase()}/responses/${status}`;
    let res = op.responses?.[String(status)];
    if (!res) {
        return [`${method} ${p} lists no status ${status}`];
    }
    while (res.$ref) {
        where = res.$ref;
        res = pointer(res.$ref);
    }
    if (!res.content?.['application/json']?.schema) {
        return [`${method} ${p} ${status} has no application/json schema`];
    }
    const ref = `openapi${where}/content/application~1json/schema`;
    let validate = compiled.get(ref);
    if (!validate) {
        validate = ajv.compile({ $ref: ref });
        compiled.set(ref, validate);
    }
    let data;
    try {
        data = JSON.parse(body);
    } catch (e) {
        return [`the body is not JSON: ${e.message}`];
    }
    if (validate(data)) {
        return [];
    }
    return validate.errors.map((e) =>
        `${e.instancePath || '(body)'} ${e.message}`
        + (e.params && Object.keys(e.params).length
            ? ` ${JSON.stringify(e.params)}` : ''));
}

if (argv[1] === '--cases') {
    if (argv.length !== 3) {
        usage();
    }
    const out = [];
    for (const line of fs.readFileSync(argv[2], 'utf8').split('\n')) {
        if (line.trim() === '') {
            continue;
        }
        const c = JSON.parse(line);
        let errors;
        try {
            errors = check(c.path, c.method, c.status, c.body);
        } catch (e) {
            errors = [String(e.message || e)];
        }
        out.push(JSON.stringify({ ok: errors.length === 0, errors }));
    }
    process.stdout.write(out.join('\n') + (out.length ? '\n' : ''));
    process.exit(0);
}

if (argv.length < 4 || argv.length > 5) {
    usage();
}
const body = fs.readFileSync(argv.length === 5 ? argv[4] : 0, 'utf8');
const errors = check(argv[1], argv[2], argv[3], body);
for (const e of errors) {
    process.stdout.write(`${e}\n`);
}
process.exit(errors.length ? 1 : 0);
