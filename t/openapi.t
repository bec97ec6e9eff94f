#!/usr/bin/perl

# docs/openapi.yaml (issue 17: the feedback endpoints) is a valid OpenAPI
# description by @redocly/cli's recommended rules (pinned in
# t/axe/package-lock.json, installed into build/axe by `make audit-deps`),
# and names every path docs/feedback.md documents.

use v5.36;

use lib 't/lib';

use Test::More;

use Onestop::Test;

my $ROOT = $Onestop::Test::ROOT;
my $BIN = "$ROOT/build/axe/node_modules/.bin/redocly";

plan skip_all => 'no @redocly/cli: make audit-deps' unless -x $BIN;

$ENV{REDOCLY_TELEMETRY} = 'off';
my $out = `'$BIN' lint --format stylish '$ROOT/docs/openapi.yaml' 2>&1`;
is($?, 0, 'redocly lint: valid') or diag($out);
unlike($out, qr/\bwarning\b/i, 'and no warning') or diag($out);

my $spec = Onestop::Test::slurp("$ROOT/docs/openapi.yaml");
for my $p ('/api/v1/feedback:', '/api/v1/feedback/{id}:',
    '/api/v1/ingest/feedback:', '/api/v1/ingest/feedback/{id}:')
{
    like($spec, qr/^  \Q$p\E$/m, "the path $p");
}

done_testing();
