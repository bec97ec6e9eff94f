#!/usr/bin/perl

# The questions' pages under a location the operator chose (issue 17):
# every link they write starts with that location.  They were written as
# "/hoi-dap" whatever the location: a province serving the pages at
# /cong-dan/hoi-dap sent citizens, after sending a question, to a follow-up
# link and back links that did not exist (404).  A location with a
# trailing slash gives links without a double one.

use v5.36;
use utf8;

use lib 't/lib';

use Digest::SHA qw(sha256_hex);
use Encode qw(decode encode);
use Test::More;

use Onestop::Test;

binmode(Test::More->builder->$_, ':encoding(UTF-8)')
    for qw(output failure_output todo_output);

local $SIG{ALRM} = sub { BAIL_OUT('feedback_location.t did not finish') };
alarm 60;

$ENV{ONESTOP_TIME} = '10:00';
my $t = Onestop::Test->new(today => '2024-06-20');
$t->spew('keys', sha256_hex('fl-admin') . " * admin\n");
$t->write_standard_conf(serve => [qw(ingest)],
    server => "location /cong-dan/hoi-dap { onestop_feedback html; }\n"
        . "location /hoi-dap-moi/ { onestop_feedback html; }\n",
    main => "env ONESTOP_TIME;\n");
ok($t->start, 'nginx starts') or BAIL_OUT('nginx did not start');
is($t->http('POST', '/api/v1/ingest/catalog',
    headers => { Authorization => 'Bearer fl-admin' },
    body => Onestop::Test::catalog_json())->{status}, 200, 'catalog');

sub form ($path, %f) { $t->form($path, %f) }

sub links ($page) { return [$page =~ /<a href="([^"]*)"/g] }

for my $loc ('/cong-dan/hoi-dap', '/hoi-dap-moi') {
    my $at = $loc eq '/hoi-dap-moi' ? "$loc/" : $loc;

    my ($r, $page) = form($at, kind => 'question', agency => '000.00.12.H36',
        subject => 'Thời hạn cấp phiếu', text => 'Xin hỏi mất bao lâu?',
        name => 'Nguyễn Văn An', contact => 'an@example.vn', website => '');
    is($r->{status}, 201, "$at: a question by the form") or diag($page);
    my ($id, $token) = $page =~ m{href="\Q$loc\E/(\d+)\?token=([A-Za-z0-9_-]{22})"};
    ok($id && $token, "$at: the follow-up link is under the location")
        or diag(explain(links($page)));

    $r = $t->get("$loc/$id?token=$token");
    is($r->{status}, 200, "$at: the follow-up link works");
    $page = decode('UTF-8', $r->{content});
    ok((grep { $_ eq $loc } @{ links($page) }),
        "$at: the follow-up page links back to the location")
        or diag(explain(links($page)));

    $r = $t->get("$loc/999?token=" . ('A' x 22));
    is($r->{status}, 404, "$at: an unknown question: 404");
    $page = decode('UTF-8', $r->{content});
    ok((grep { $_ eq $loc } @{ links($page) }),
        "$at: its page links back to the location")
        or diag(explain(links($page)));
    ok(!(grep { m{^/hoi-dap(/|$)} } map { @{ links($_) } } $page),
        "$at: no link to /hoi-dap");
}

$t->check_log;
done_testing();
