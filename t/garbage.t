#!/usr/bin/perl

# Garbage in (SPEC sections 3 and 5): malformed bodies, hostile JSON,
# numbers out of range and wrong types each get 400, 422 or 413 with the
# error object, never a crash; afterwards the same workers answer and the
# store holds exactly what it held before.

use v5.36;
use utf8;

use lib 't/lib';

use Digest::SHA qw(sha256_hex);
use Encode ();
use JSON::PP;
use Test::More;

use Onestop::Test;

binmode(Test::More->builder->$_, ':encoding(UTF-8)')
    for qw(output failure_output todo_output);

# a server that dies must fail this test, not hang it
local $SIG{ALRM} = sub { BAIL_OUT('garbage.t did not finish in 120 s') };
alarm 120;

my $json = JSON::PP->new->utf8->canonical;

my $t = Onestop::Test->new(today => '2024-06-15');
$t->spew('keys', sha256_hex('garbage-admin-key') . " * admin\n");
$t->write_standard_conf(serve => [qw(lookup ingest)],
    location => { ingest => 'client_max_body_size 4m;' }, server => <<'END');
location /small/ {
    onestop_ingest;
    client_max_body_size 16k;
}
END

ok($t->start, 'nginx starts') or BAIL_OUT('nginx did not start');

my %admin = (Authorization => 'Bearer garbage-admin-key');
my %nd = (%admin, 'Content-Type' => 'application/x-ndjson');

my $r = $t->http('POST', '/api/v1/ingest/catalog', headers => \%admin,
    body => Onestop::Test::catalog_json());
is($r->{status}, 200, 'catalog written') or diag($r->{content});

sub record (%m) {
    return {
        code => 'KNOWN-1',
        version => 1,
        agency => '000.00.15.H36',
        procedure => '1.009999',
        channel => 'online',
        applicant => {name => 'Bùi Thị Xuân'},
        received_at => '2024-06-03T08:00:00+07:00',
        due_at => '2024-06-24T17:00:00+07:00',
        %m,
    };
}

# the record as JSON text with one member's value replaced by raw text
sub with_raw ($member, $raw, %m) {
    my $rec = record(%m, $member => '@@RAW@@');
    my $text = $json->encode($rec);
    $raw = Encode::encode('UTF-8', $raw) if utf8::is_utf8($raw);
    $text =~ s/"\@\@RAW\@\@"/$raw/;
    return $text;
}

$r = $t->http('POST', '/api/v1/ingest/dossiers', headers => \%admin,
    body => $json->encode([record(), record(code => 'KNOWN-2', version => 7)]));
is($r->{status}, 200, 'the known records written') or diag($r->{content});

my $known1 = $t->get('/api/v1/dossiers/KNOWN-1')->{content};
my $known2 = $t->get('/api/v1/dossiers/KNOWN-2')->{content};
like($known1, qr/"code":\s*"KNOWN-1"/, 'KNOWN-1 looked up');
my @workers = sort $t->worker_pids;
ok(scalar @workers, 'the workers are known');

my $big = 'Ô' x (512 * 1024);    # 1 MB of UTF-8

# name, path, headers, body, status (or the statuses the contract leaves
# open), error code, items (indexes) or undef
my @cases = (
    ['empty body', '', \%admin, '', 400, 'bad_request'],
    ['white space only', '', \%admin, " \r\n\t ", 400, 'bad_request'],
    ['truncated object', '', \%admin,
        substr($json->encode(record(code => 'G-1')), 0, 60), 400, 'bad_request'],
    ['truncated array', '', \%admin,
        '[' . $json->encode(record(code => 'G-2')) . ',', 400, 'bad_request'],
    ['trailing garbage', '', \%admin,
        $json->encode(record(code => 'G-3')) . ' xyz', 400, 'bad_request'],
    ['two documents', '', \%admin,
        $json->encode(record(code => 'G-4')) . $json->encode(record(code => 'G-5')),
        400, 'bad_request'],
    ['a string', '', \%admin, '"hello"', 400, 'bad_request'],
    ['a number', '', \%admin, '42', 400, 'bad_request'],
    ['null', '', \%admin, 'null', 400, 'bad_request'],
    ['true', '', \%admin, 'true', 400, 'bad_request'],
    ['an array of numbers', '', \%admin, '[1, 2, 3]', 400, 'bad_request'],
    ['an array with a string', '', \%admin,
        '[' . $json->encode(record(code => 'G-6')) . ', "x"]', 400, 'bad_request'],
    ['single quotes', '', \%admin, "{'code': 'G-7'}", 400, 'bad_request'],
    ['a bad escape', '', \%admin, with_raw('applicant', '{"name": "An\\x41"}',
        code => 'G-8'), 400, 'bad_request'],
    ['a comment', '', \%admin, '/* x */ ' . $json->encode(record(code => 'G-9')),
        400, 'bad_request'],
    ['10000 [', '', \%admin, '[' x 10000, 400, 'bad_request'],
    ['10000 [ closed', '', \%admin, '[' x 10000 . ']' x 10000, 400, 'bad_request'],
    # valid JSON, a record of one unknown member and none of the required:
    # 422, or 400 from a parser that limits depth
    ['10000 { deep', '', \%admin, '{"a":' x 10000 . '1' . '}' x 10000,
        [400, 422], undef],
    ['invalid UTF-8 in a name', '', \%admin,
        with_raw('applicant', "{\"name\": \"Nguy\xff\xfen\"}", code => 'G-10'),
        400, 'bad_request'],
    ['overlong UTF-8', '', \%admin,
        with_raw('applicant', "{\"name\": \"\xc0\xafAn\"}", code => 'G-11'),
        400, 'bad_request'],
    ['overlong UTF-8, three bytes', '', \%admin,
        with_raw('applicant', "{\"name\": \"Le \xe0\x80\xaf\"}", code => 'G-33'),
        400, 'bad_request'],
    ['overlong UTF-8, C1', '', \%admin,
        with_raw('applicant', "{\"name\": \"Le \xc1\xbf\"}", code => 'G-34'),
        400, 'bad_request'],
    ['a UTF-16 surrogate in UTF-8', '', \%admin,
        with_raw('applicant', "{\"name\": \"Le \xed\xa0\x80\"}", code => 'G-35'),
        400, 'bad_request'],
    ['a code point over U+10FFFF', '', \%admin,
        with_raw('applicant', "{\"name\": \"Le \xf4\x90\x80\x80\"}", code => 'G-36'),
        400, 'bad_request'],
    ['UTF-8 cut in the middle', '', \%admin,
        with_raw('applicant', "{\"name\": \"\xe1\xbb\"}", code => 'G-12'),
        400, 'bad_request'],
    ['random bytes', '', \%admin,
        join('', map { chr(int(rand(256))) } 1 .. 65536), 400, 'bad_request'],
    ['a name of 1 MB', '', \%admin,
        $json->encode(record(code => 'G-13', applicant => {name => $big})),
        422, 'invalid', [0]],
    ['a code of 10 KB', '', \%admin,
        $json->encode(record(code => 'G' x 10240)), 422, 'invalid', [0]],
    ['a NUL in the code', '', \%admin,
        $json->encode(record(code => "G-14\x{0}")), 422, 'invalid', [0]],
    ['version 1e400', '', \%admin, with_raw('version', '1e400', code => 'G-15'),
        422, 'invalid', [0]],
    ['version 99999999999999999999', '', \%admin,
        with_raw('version', '99999999999999999999', code => 'G-16'),
        422, 'invalid', [0]],
    ['version -1', '', \%admin, with_raw('version', '-1', code => 'G-17'),
        422, 'invalid', [0]],
    ['version 2^53', '', \%admin,
        with_raw('version', '9007199254740992', code => 'G-18'),
        422, 'invalid', [0]],
    ['version 1.5', '', \%admin, with_raw('version', '1.5', code => 'G-19'),
        422, 'invalid', [0]],
    ['version true', '', \%admin, with_raw('version', 'true', code => 'G-20'),
        422, 'invalid', [0]],
    ['version null', '', \%admin, with_raw('version', 'null', code => 'G-21'),
        422, 'invalid', [0]],
    ['version "1"', '', \%admin, with_raw('version', '"1"', code => 'G-22'),
        422, 'invalid', [0]],
    ['code a number', '', \%admin, with_raw('code', '12345'), 422, 'invalid', [0]],
    ['code an object', '', \%admin, with_raw('code', '{"a": 1}'),
        422, 'invalid', [0]],
    ['applicant a string', '', \%admin,
        with_raw('applicant', '"Bùi Thị Xuân"', code => 'G-23'), 422, 'invalid', [0]],
    ['applicant name a number', '', \%admin,
        with_raw('applicant', '{"name": 5}', code => 'G-24'), 422, 'invalid', [0]],
    ['applicant name an array', '', \%admin,
        with_raw('applicant', '{"name": ["Bùi"]}', code => 'G-25'),
        422, 'invalid', [0]],
    ['received_at a number', '', \%admin,
        with_raw('received_at', '20240603', code => 'G-26'), 422, 'invalid', [0]],
    ['due_at an object', '', \%admin,
        with_raw('due_at', '{"date": "2024-06-24"}', code => 'G-27'),
        422, 'invalid', [0]],
    ['agency null', '', \%admin, with_raw('agency', 'null', code => 'G-28'),
        422, 'invalid', [0]],
    ['channel an array', '', \%admin,
        with_raw('channel', '["online"]', code => 'G-29'), 422, 'invalid', [0]],
    ['apology a string', '', \%admin,
        with_raw('apology', '"xin lỗi"', code => 'G-30'), 422, 'invalid', [0]],
    ['an empty object', '', \%admin, '{}', 422, 'invalid', [0]],
    ['dates out of range', '', \%admin,
        $json->encode(record(code => 'G-31', received_at => '0000-01-01',
            due_at => '9999-12-31T23:59:59+99:99')), 422, 'invalid', [0]],
    ['a date with garbage', '', \%admin,
        $json->encode(record(code => 'G-32', due_at => "2024-06-24\x{0}")),
        422, 'invalid', [0]],
    ['NDJSON, a bad line', '', \%nd,
        join('', map { $json->encode(record(code => "G-ND-$_")) . "\n" } 1 .. 2)
            . "{\"code\": \"G-ND-3\", \n", 400, 'bad_request', [2]],
    ['NDJSON, an array line', '', \%nd,
        $json->encode(record(code => 'G-ND-4')) . "\n[1, 2]\n", 400,
        'bad_request', [1]],
    ['NDJSON, an invalid record', '', \%nd,
        join('', map { $json->encode(record(code => "G-ND-1$_")) . "\n" } 0 .. 3)
            . $json->encode(record(code => 'G-ND-14', version => -1)) . "\n",
        422, 'invalid', [4]],
    ['NDJSON, pretty-printed JSON', '', \%nd,
        JSON::PP->new->utf8->pretty->encode(record(code => 'G-ND-5')),
        400, 'bad_request', [0]],
    ['an escaped high surrogate alone', '', \%admin,
        with_raw('applicant', '{"name": "\\ud800 An"}', code => 'G-SU-1'),
        400, 'bad_request'],
    ['an escaped high surrogate before another escape', '', \%admin,
        with_raw('applicant', '{"name": "\\ud800\\u0041n"}', code => 'G-SU-2'),
        400, 'bad_request'],
    ['an escaped low surrogate alone', '', \%admin,
        with_raw('applicant', '{"name": "Z \\udc00An"}', code => 'G-SU-3'),
        400, 'bad_request'],
    ['NDJSON, an escaped surrogate alone on line 1', '', \%nd,
        $json->encode(record(code => 'G-SU-4')) . "\n"
            . with_raw('applicant', '{"name": "An \\udbff"}', code => 'G-SU-5')
            . "\n", 400, 'bad_request', [1]],
    ['NDJSON, invalid UTF-8 on line 1', '', \%nd,
        $json->encode(record(code => 'G-ND-6')) . "\n"
            . with_raw('applicant', "{\"name\": \"\xff\"}", code => 'G-ND-7') . "\n",
        400, 'bad_request', [1]],
    ['over 16k', '/small/dossiers', \%admin,
        '[' . join(',', ('{"x": "' . 'z' x 100 . '"}') x 200) . ']', 413, undef],
    ['catalog: truncated', '/api/v1/ingest/catalog', \%admin,
        substr(Onestop::Test::catalog_json(), 0, 100), 400, 'bad_request'],
    ['catalog: an array', '/api/v1/ingest/catalog', \%admin, '[]',
        [400, 422], undef],
    ['catalog: agencies a string', '/api/v1/ingest/catalog', \%admin,
        '{"agencies": "all", "fields": [], "procedures": []}', [400, 422], undef],
    ['catalog: a name of 1 MB', '/api/v1/ingest/catalog', \%admin,
        $json->encode({agencies => [{id => '000.00.50.H36', name => $big,
            level => 'province', parent => undef}], fields => [],
            procedures => []}), 422, 'invalid'],
);

for my $c (@cases) {
    my ($name, $path, $headers, $body, $status, $code, $items) = @$c;
    $body = Encode::encode('UTF-8', $body) if utf8::is_utf8($body);
    $r = $t->http('POST', $path || '/api/v1/ingest/dossiers',
        headers => $headers, body => $body);
    if (ref $status) {
        ok((grep { $_ == $r->{status} } @$status), "$name: @$status")
            or diag("$r->{status} " . substr($r->{content} // '', 0, 300));
    } else {
        is($r->{status}, $status, "$name: $status")
            or diag(substr($r->{content} // '', 0, 300));
    }
    like($r->{headers}{'content-type'} // '', qr{^application/json\b},
        "$name: JSON");
    my $j = eval { $json->decode($r->{content}) } // {};
    is(ref $j->{error}, 'HASH', "$name: the error object");
    is($j->{error}{code}, $code, "$name: code $code") if defined $code;
    like($j->{error}{message}, qr/\A[^\n]+\z/, "$name: a one-line message")
        if defined $j->{error}{message};
    if ($items) {
        is_deeply([map { $_->{index} } @{ $j->{error}{items} // [] }], $items,
            "$name: items at " . join(',', @$items))
            or diag(substr($r->{content} // '', 0, 300));
    }
}

# a member over its length says so, not only what type it must be
for my $c (['contact.phone of 257 bytes', {contact => {phone => '0' x 257}},
        qr/^contact\.phone must be a string of at most 256 bytes$/],
    ['contact.email of 300 bytes',
        {contact => {email => ('a' x 289) . '@example.vn'}},
        qr/^contact\.email must be a string of at most 256 bytes$/],
    ['contact.phone a number', {contact => {phone => 912345678}},
        qr/^contact\.phone must be a string of at most 256 bytes$/],
    ['applicant.name of 257 bytes', {applicant => {name => 'A' x 257}},
        qr/^applicant\.name must be a string of 1 to 256 bytes$/])
{
    my ($name, $m, $want) = @$c;
    $r = $t->http('POST', '/api/v1/ingest/dossiers', headers => \%admin,
        body => $json->encode(record(code => 'G-LONG-1', %$m)));
    is($r->{status}, 422, "$name: 422");
    my $j = eval { $json->decode($r->{content}) } // {};
    like($j->{error}{items}[0]{message} // '', $want, "$name: the message")
        or diag(substr($r->{content} // '', 0, 300));
}
for my $list (qw(agencies fields procedures)) {
    my %entry = (agencies => {id => '000.00.50.H36', name => 'A' x 257,
            level => 'province', parent => undef},
        fields => {id => 'long-field', name => 'A' x 257},
        procedures => {id => '1.000001', name => 'A' x 257,
            field => 'tu-phap'});
    $r = $t->http('POST', '/api/v1/ingest/catalog', headers => \%admin,
        body => $json->encode({agencies => [], fields => [], procedures => [],
            $list => [$entry{$list}]}));
    is($r->{status}, 422, "catalog, $list: a name of 257 bytes: 422");
    my $j = eval { $json->decode($r->{content}) } // {};
    like($j->{error}{message} // '', qr/a name of 1 to 256 bytes/,
        "catalog, $list: a name of 257 bytes: the message says its length")
        or diag(substr($r->{content} // '', 0, 300));
}
is($t->get('/api/v1/dossiers/G-LONG-1')->{status}, 404,
    'no over-long record was written');

# a member named twice: which one a reader takes differs from one JSON
# library to another (the writer's own log, a gateway, this server), so
# the record is refused rather than one of them taken
for my $c (['code', 'KNOWN-1', '"code":"KNOWN-2",'],
    ['version', 'KNOWN-1', '"version":9,'],
    ['agency', 'KNOWN-1', '"agency":"000.00.12.H36",'],
    ['applicant.name', 'KNOWN-1', undef, '"name":"Lê Văn Tám",'],
    ['received_at', 'KNOWN-1', '"received_at":"2024-06-04",'])
{
    my ($member, $code, $top, $inner) = @$c;
    my $text = $json->encode(record(code => $code, version => 9));
    $text =~ s/^\{/{$top/ if defined $top;
    $inner = Encode::encode('UTF-8', $inner) if defined $inner;
    $text =~ s/"applicant":\{/"applicant":{$inner/ if defined $inner;
    $r = $t->http('POST', '/api/v1/ingest/dossiers', headers => \%admin,
        body => $text);
    is($r->{status}, 422, "$member given twice: 422") or diag($r->{content});
    my $j = eval { $json->decode($r->{content}) } // {};
    is($j->{error}{items}[0]{message} // '', "$member is given twice",
        "$member given twice: the message");
}

# the server still answers, with the same workers, and nothing changed
is($t->get('/api/v1/dossiers/KNOWN-1')->{content}, $known1,
    'KNOWN-1 unchanged');
is($t->get('/api/v1/dossiers/KNOWN-2')->{content}, $known2,
    'KNOWN-2 unchanged');
my @written = grep { $t->get("/api/v1/dossiers/$_")->{status} != 404 }
    map({ "G-$_" } 1 .. 36), map({ "G-ND-$_" } 1 .. 7, 10 .. 14), '12345',
    map({ "G-SU-$_" } 1 .. 5);
is_deeply(\@written, [], 'no garbage record was written');
is_deeply([sort $t->worker_pids], \@workers, 'no worker died');

# a write still works, and counts as new
$r = $t->http('POST', '/api/v1/ingest/dossiers', headers => \%admin,
    body => $json->encode([record(), record(code => 'KNOWN-3')]));
is($r->{status}, 200, 'a write after the garbage') or diag($r->{content});
is_deeply(eval { $json->decode($r->{content}) },
    {accepted => 1, unchanged => 1, stale => 0},
    'KNOWN-1 unchanged, KNOWN-3 new: the store holds what it held');

# escapes that are right: a surrogate pair, and a backslash before "ud800"
{
    my $body = join('', map { "$_\n" }
        with_raw('applicant', '{"name": "Quán \\ud83d\\ude00 Cafe", '
            . '"type": "organization"}', code => 'SU-OK-1'),
        with_raw('applicant', '{"name": "Thư mục C:\\\\ud800", '
            . '"type": "organization"}', code => 'SU-OK-2'));
    $r = $t->http('POST', '/api/v1/ingest/dossiers', headers => \%nd,
        body => $body);
    is($r->{status}, 200, 'a surrogate pair and an escaped backslash: 200')
        or diag($r->{content});
    my $one = eval { $json->decode($t->get('/api/v1/dossiers/SU-OK-1')
        ->{content}) } // {};
    is($one->{applicant}{name}, "Qu\x{e1}n \x{1f600} Cafe",
        'the pair is the one character it stands for');
    my $two = eval { $json->decode($t->get('/api/v1/dossiers/SU-OK-2')
        ->{content}) } // {};
    is($two->{applicant}{name}, "Th\x{1b0} m\x{1ee5}c C:\\ud800",
        'a backslash, then the letters ud800');
}

# garbage in lookups
for my $c (['a code of 5000 bytes', 'L' x 5000, 400],
    ['percent-encoded invalid UTF-8', '%FF%FE', 400],
    ['a NUL', 'KNOWN-1%00', 400])
{
    my ($name, $code, $status) = @$c;
    $r = $t->get("/api/v1/dossiers/$code");
    is($r->{status}, $status, "lookup, $name: $status");
}

$t->stop;
$t->check_log;

alarm 0;

done_testing;
