#!/usr/bin/perl

# A handler's location is a prefix: /tra-cuu serves /tra-cuu, /tra-cuu/CODE
# and /tra-cuu?code=CODE.  A path that only begins with the location's name
# (/tra-cuuCODE, /api/v1/evaluationsX) is another resource, which does not
# exist: 404.  It was read as the location followed by an identifier, so
# /tra-cuuHS-1 showed dossier HS-1 and /qr/ had twins at every prefix the
# operator chose without a slash.

use v5.36;
use utf8;

use lib 't/lib';

use Digest::SHA qw(sha256_hex);
use JSON::PP;
use Test::More;

use Onestop::Test;

local $SIG{ALRM} = sub { BAIL_OUT('location_prefix.t did not finish') };
alarm 60;

my $json = JSON::PP->new->utf8->canonical;

$ENV{ONESTOP_TIME} = '10:00';
my $t = Onestop::Test->new(today => '2024-06-15');
$t->spew('keys', sha256_hex('lp-admin') . " * admin\n");
$t->spew('qr.key', ('ab' x 32) . "\n");
$t->write_standard_conf(serve => [qw(lookup lookup_page ingest evaluate stats
        apologies catalog)], qr_key => 1,
    server => "location /cong-dan/tra-cuu { onestop_lookup html;\n"
        . "    error_page 404 /_onestop_errors/trang; }\n"
        . "location = /_onestop_errors/trang { internal; onestop_error_page; }\n"
        . "location /ho-so { onestop_lookup json; }\n"
        . "location /ma-qr { onestop_qr; }\n"
        . "location /cong-dan/hoi-dap { onestop_feedback html; }\n"
        . "location /api/v1/feedback { onestop_feedback json; }\n"
        . "location /api/v1/changes { onestop_changes; }\n"
        . "location /danh-muc { onestop_catalog; }\n",
    main => "env ONESTOP_TIME;\n");
ok($t->start, 'nginx starts') or BAIL_OUT('nginx did not start');

my %admin = (Authorization => 'Bearer lp-admin');
is($t->http('POST', '/api/v1/ingest/catalog', headers => \%admin,
    body => Onestop::Test::catalog_json())->{status}, 200, 'catalog');

my $r = $t->http('POST', '/api/v1/ingest/dossiers', headers => \%admin,
    body => $json->encode({code => 'HS-1', version => 1,
        agency => '000.00.12.H36', procedure => '1.001234',
        channel => 'direct',
        applicant => {name => 'Trương Văn Bé', type => 'citizen'},
        received_at => '2024-06-10T08:00:00+07:00',
        due_at => '2024-06-20T17:00:00+07:00'}));
is($r->{status}, 200, 'a dossier written') or diag($r->{content});

# a question, to follow up
my ($q, $page) = $t->form('/cong-dan/hoi-dap', kind => 'question',
    agency => '000.00.12.H36', subject => 'Thời hạn',
    text => 'Xin hỏi mất bao lâu?', name => 'Nguyễn Văn An',
    contact => 'an@example.vn', website => '');
is($q->{status}, 201, 'a question by the form') or diag($page);
my ($id, $token) = $page =~ m{href="/cong-dan/hoi-dap/(\d+)\?token=([A-Za-z0-9_-]{22})"};
ok($id, 'its follow-up link');

# the location itself, and what follows it after a slash or in the query
for my $path ('/tra-cuu/HS-1', '/tra-cuu?code=HS-1', '/ho-so/HS-1',
    '/ho-so?code=HS-1', '/api/v1/dossiers/HS-1')
{
    $r = $t->get($path);
    is($r->{status}, 200, "$path: 200");
    like($r->{content}, qr/HS-1/, "$path: the dossier");
}
for my $path ("/cong-dan/hoi-dap/$id?token=$token", "/api/v1/feedback/$id?token=$token") {
    is($t->get($path)->{status}, 200, "$path: 200");
}

# a path that only begins with a location's name
for my $path ('/tra-cuuHS-1', '/ho-soHS-1', '/ma-qrHS-1.svg',
    "/cong-dan/hoi-dap$id?token=$token", "/api/v1/feedback$id?token=$token")
{
    $r = $t->get($path, headers => \%admin);
    is($r->{status}, 404, "$path: 404");
    unlike($r->{content} // '', qr/HS-1|<svg|Thời hạn|Th\\u1edd/,
        "$path: not the dossier nor the question");
}

$r = $t->get('/ho-soHS-1');
is(eval { $json->decode($r->{content})->{error}{code} }, 'not_found',
    '/ho-soHS-1: the error object, not_found');

# the questions' list is still there
is($t->get('/api/v1/feedback')->{status}, 200, '/api/v1/feedback: 200');
is($t->get('/cong-dan/hoi-dap')->{status}, 200, '/cong-dan/hoi-dap: 200');

$r = $t->get("/api/v1/feedback$id?token=$token");
is(eval { $json->decode($r->{content})->{error}{code} }, 'not_found',
    "/api/v1/feedback$id: the error object, not_found");

$r = $t->http('POST', '/api/v1/evaluationsHS-1', headers => \%admin,
    body => '{}');
is($r->{status}, 404, 'POST /api/v1/evaluationsHS-1: 404');

# the handlers that take no identifier: their location, with or without a
# trailing slash, and nothing after it.  /api/v1/stats/000.00.40.H36 is no
# resource: it answered the province's figures as if the agency had been
# chosen, and /api/v1/apologies/CODE every letter
for my $path ('/api/v1/stats', '/api/v1/stats/', '/api/v1/apologies',
    '/api/v1/apologies/', '/api/v1/changes', '/api/v1/changes/',
    '/danh-muc', '/danh-muc/')
{
    is($t->get($path)->{status}, 200, "$path: 200");
}
for my $path ('/api/v1/stats/000.00.12.H36', '/api/v1/statsX',
    '/api/v1/stats/agency?period=year', '/api/v1/apologies/HS-1',
    '/api/v1/apologiesX', '/api/v1/changes/5', '/danh-muc/agencies')
{
    $r = $t->get($path);
    is($r->{status}, 404, "$path: 404");
    is(eval { $json->decode($r->{content})->{error}{code} }, 'not_found',
        "$path: the error object, not_found");
    is($r->{headers}{'access-control-allow-origin'}, '*',
        "$path: readable by a browser application, as the answers");
}

# the error pages link to the pages where this server has them
$r = $t->get('/cong-dan/tra-cuuKHONG-CO');
is($r->{status}, 404, 'a path not under the page: 404');
my @links = $r->{content} =~ /<a href="([^"]*)"/g;
is_deeply([grep { !m{^/$} } @links], ['/cong-dan/tra-cuu', '/cong-dan/hoi-dap'],
    'its error page links to the lookup and the questions where they are')
    or diag(explain(\@links));

$t->check_log;
done_testing();
