#!/usr/bin/perl

# The published questions' page (/hoi-dap) paged under a filter: its
# "Xem thêm" link carries every filter of the page it ends, so the next
# page holds the same agency's, field's and kind's questions, and no
# question is skipped or shown twice.

use v5.36;
use utf8;

use lib 't/lib';

use Digest::SHA qw(sha256_hex);
use Encode qw(decode);
use JSON::PP;
use Test::More;

use Onestop::Test;

binmode(Test::More->builder->$_, ':encoding(UTF-8)')
    for qw(output failure_output todo_output);

my $json = JSON::PP->new->utf8->canonical;

$ENV{ONESTOP_TIME} = '10:00';
my $t = Onestop::Test->new(today => '2024-06-20');
$t->spew('keys', sha256_hex('fp-admin') . " * admin\n");
$t->write_standard_conf(serve => [qw(ingest)],
    server => "location /api/v1/feedback { onestop_feedback json; }\n"
        . "location /hoi-dap { onestop_feedback html; }\n"
        . "location /api/v1/ingest/feedback { onestop_feedback ingest; }\n",
    main => "env ONESTOP_TIME;\n");
ok($t->start, 'nginx starts') or BAIL_OUT('nginx did not start');

my %admin = (Authorization => 'Bearer fp-admin',
    'Content-Type' => 'application/json');
my $r = $t->http('POST', '/api/v1/ingest/catalog', headers => \%admin,
    body => Onestop::Test::catalog_json());
is($r->{status}, 200, 'catalog');

# questions 1..6, the odd ones to Sở Tư pháp, the even ones to Bến Lức,
# each answered and published

for my $i (1 .. 6) {
    my $agency = $i % 2 ? '000.00.12.H36' : '000.00.30.H36';
    $r = $t->http('POST', '/api/v1/feedback',
        headers => {'Content-Type' => 'application/json'},
        body => $json->encode({kind => 'question', agency => $agency,
            subject => "Câu hỏi số $i", text => 'Xin hỏi.',
            name => 'Phạm Văn Dũng', contact => '0912345678'}));
    is($r->{status}, 201, "question $i") or diag($r->{content});
    $r = $t->http('POST', "/api/v1/ingest/feedback/$i", headers => \%admin,
        body => $json->encode({answer => "Trả lời số $i",
            publish => JSON::PP::true}));
    is($r->{status}, 200, "answered and published $i");
}

# the page, followed by its links from the first
sub walk ($url) {
    my @ids;

    for my $n (1 .. 10) {
        my $r = $t->get($url);
        my $page = decode('UTF-8', $r->{content});
        push @ids, $page =~ /<h3 id="q(\d+)"/g;
        last unless $page =~ m{<p class="more"><a href="([^"]+)"};
        ($url = $1) =~ s/&amp;/&/g;
    }

    return join(',', @ids);
}

is(walk('/hoi-dap?agency=000.00.12.H36&limit=1'), '5,3,1',
    "one agency's questions, a page at a time, none of another's");
is(walk('/hoi-dap?agency=000.00.30.H36&limit=2'), '6,4,2',
    'the other agency, two a page');
is(walk('/hoi-dap?limit=4'), '6,5,4,3,2,1', 'unfiltered, four a page');

$t->stop;
ok($t->check_log, 'no alert or crit in error.log');

done_testing();
