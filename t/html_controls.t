#!/usr/bin/perl

# Control characters in what writers send (a JSON string may hold
# \u0000 or \u0001): a record's and a question's are refused
# (t/invisible_text.t), TAB kept; where they are stored (U+FFFE, U+FFFF),
# the JSON answers keep them, and the pages show U+FFFD in their place,
# never the raw bytes that HTML forbids (a NUL, a C0 control), nor U+FFFE
# and U+FFFF, which XML forbids.

use v5.36;
use utf8;

use lib 't/lib';

use Digest::SHA qw(sha256_hex);
use Encode qw(decode encode);
use JSON::PP;
use Test::More;

use Onestop::Test;

binmode(Test::More->builder->$_, ':encoding(UTF-8)')
    for qw(output failure_output todo_output);

my $json = JSON::PP->new->utf8->canonical;

$ENV{ONESTOP_TIME} = '10:00';
my $t = Onestop::Test->new(today => '2024-06-20');
$t->spew('keys', sha256_hex('hc-admin') . " * admin\n");
$t->write_standard_conf(serve => [qw(ingest lookup lookup_page)],
    server => "location /api/v1/feedback { onestop_feedback json; }\n"
        . "location /hoi-dap { onestop_feedback html; }\n"
        . "location /api/v1/ingest/feedback { onestop_feedback ingest; }\n",
    main => "env ONESTOP_TIME;\n");
ok($t->start, 'nginx starts') or BAIL_OUT('nginx did not start');

my %admin = (Authorization => 'Bearer hc-admin');
my $r = $t->http('POST', '/api/v1/ingest/catalog', headers => \%admin,
    body => Onestop::Test::catalog_json());
is($r->{status}, 200, 'catalog');

my $hc1 = '{"code": "HC-1", "version": 1, "agency": "000.00.12.H36", '
    . '"procedure": "1.001234", "channel": "direct", "applicant": '
    . '{"name": "Công ty\u0000 B\u0001nh", "type": "organization"}, '
    . '"received_at": "2024-06-03", "due_at": "2024-06-10", "apology": '
    . '{"issued_at": "2024-06-11", "new_due_at": "2024-06-14", '
    . '"reason": "x\u0000y\u001fz\ttab"}}';
$r = $t->http('POST', '/api/v1/ingest/dossiers', headers => \%admin,
    body => encode('UTF-8', $hc1));
is($r->{status}, 422, 'a record with control characters in its strings')
    or diag($r->{content});
$hc1 =~ s/\\u00(00|01|1f)//g;
$r = $t->http('POST', '/api/v1/ingest/dossiers', headers => \%admin,
    body => encode('UTF-8', $hc1));
is($r->{status}, 200, 'without them') or diag($r->{content});

$r = $t->get('/api/v1/dossiers/HC-1');
my $j = eval { $json->decode($r->{content}) } // {};
is($j->{applicant}{name}, "Công ty Bnh", 'JSON: the name as sent');
is($j->{apology}{reason}, "xyz\ttab", 'and the reason');

sub clean ($what, $page) {
    ok($page !~ /[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]/,
        "$what: no control character in the page");
}

my $page = decode('UTF-8', $t->get('/tra-cuu/HC-1')->{content});
clean('the lookup page', $page);
like($page, qr/xyz\ttab/, 'a tab kept');

# U+FFFE and U+FFFF, which XML forbids (an SVG badge holding one is not
# drawn): U+FFFD in their place too
$r = $t->http('POST', '/api/v1/ingest/dossiers', headers => \%admin,
    body => encode('UTF-8', '{"code": "HC-2", "version": 1, "agency": "000.00.12.H36", '
        . '"procedure": "1.001234", "channel": "direct", "applicant": '
        . '{"name": "Công ty\uffff Bình\ufffe", "type": "organization"}, '
        . '"received_at": "2024-06-03", "due_at": "2024-06-10"}'));
is($r->{status}, 200, 'a record with U+FFFE and U+FFFF in its name')
    or diag($r->{content});
# (in the bytes: Encode's strict UTF-8 would hide them as U+FFFD)
my $raw = $t->get('/tra-cuu/HC-2')->{content};
ok($raw !~ /\xef\xbf[\xbe\xbf]/, 'the lookup page: no noncharacter');
like(decode('UTF-8', $raw), qr/Công ty\x{fffd} Bình\x{fffd}/,
    'U+FFFD in their place');

# a question's text through JSON, answered and published
$r = $t->http('POST', '/api/v1/feedback',
    headers => {'Content-Type' => 'application/json'},
    body => encode('UTF-8', '{"kind": "question", "agency": "000.00.12.H36", "subject": '
        . '"H\u0000i", "text": "T\u0007xt", "name": "Lê Văn Tám", '
        . '"contact": "0912345678"}'));
is($r->{status}, 422, 'a question with control characters: refused')
    or diag($r->{content});
$r = $t->http('POST', '/api/v1/feedback',
    headers => {'Content-Type' => 'application/json'},
    body => encode('UTF-8', '{"kind": "question", "agency": "000.00.12.H36", "subject": '
        . '"H\ti", "text": "T\r\nxt", "name": "Lê Văn Tám", '
        . '"contact": "0912345678"}'));
is($r->{status}, 201, 'a question with white space') or diag($r->{content});
$r = $t->http('POST', '/api/v1/ingest/feedback/1', headers => {%admin,
    'Content-Type' => 'application/json'},
    body => $json->encode({answer => 'Đã trả lời.', publish => JSON::PP::true}));
is($r->{status}, 200, 'answered and published');
clean('the questions page', decode('UTF-8', $t->get('/hoi-dap')->{content}));
clean("the question's page", decode('UTF-8', $t->get('/hoi-dap/1')->{content}));

$t->stop;
ok($t->check_log, 'no alert or crit in error.log');

done_testing();
