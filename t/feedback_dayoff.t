#!/usr/bin/perl

# A question sent on a day off (Điều 9.1, 13.3.b): sent on Saturday
# 15 June 2024 at 10:00, it is received on Monday 17 June at the opening,
# and due on the 15th working day after that, 8 July.  The sender's page
# says the day it was sent and the day it was received, never that it was
# sent on the Monday; the public page says the day it was received.

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
my $root = $Onestop::Test::ROOT;

$ENV{ONESTOP_TIME} = '10:00';
my $t = Onestop::Test->new(today => '2024-06-15');
$t->spew('keys', sha256_hex('fbd-admin') . " * admin\n");
$t->write_standard_conf(serve => [qw(ingest)],
    http => "onestop_calendar $root/conf/calendar-vn.txt;\n",
    server => "location /api/v1/feedback { onestop_feedback json; }\n"
        . "location /hoi-dap { onestop_feedback html; }\n"
        . "location /api/v1/ingest/feedback { onestop_feedback ingest; }\n",
    main => "env ONESTOP_TIME;\n");
ok($t->start, 'nginx starts') or BAIL_OUT('nginx did not start');

my %admin = (Authorization => 'Bearer fbd-admin');
my $r = $t->http('POST', '/api/v1/ingest/catalog', headers => \%admin,
    body => Onestop::Test::catalog_json());
is($r->{status}, 200, 'catalog');

$r = $t->http('POST', '/api/v1/feedback',
    headers => {'Content-Type' => 'application/json'},
    body => $json->encode({kind => 'question', agency => '000.00.12.H36',
        subject => 'Thời hạn cấp phiếu', text => 'Xin hỏi mất bao lâu?',
        name => 'Nguyễn Văn An', contact => '0912345678'}));
is($r->{status}, 201, 'a question sent on a Saturday') or diag($r->{content});
my $j = eval { $json->decode($r->{content}) } // {};
is_deeply([@$j{qw(received_at due_date)}],
    ['2024-06-17T07:00:00+07:00', '2024-07-08'],
    'received on Monday at the opening, due 15 working days after');

# the sender's page
$r = $t->get("/hoi-dap/$j->{id}?token=$j->{token}");
is($r->{status}, 200, 'the sender\'s page');
my $page = decode('UTF-8', $r->{content});
like($page, qr{gửi ngày 15/06/2024}, 'says the day it was sent');
like($page, qr{tiếp nhận ngày 17/06/2024}, 'and the day it was received');
unlike($page, qr{gửi ngày 17/06/2024},
    'never that it was sent on the Monday');
like($page, qr{hạn trả lời 08/07/2024}, 'and its due day');

# answered and published: the public page
$r = $t->http('POST', "/api/v1/ingest/feedback/$j->{id}", headers => {%admin,
    'Content-Type' => 'application/json'},
    body => $json->encode({answer => 'Năm ngày làm việc.', publish => JSON::PP::true}));
is($r->{status}, 200, 'answered and published') or diag($r->{content});
$page = decode('UTF-8', $t->get('/hoi-dap')->{content});
like($page, qr{tiếp nhận ngày 17/06/2024}, 'the public page: the day received');
unlike($page, qr{gửi ngày}, 'and no day it was sent');

ok($t->check_log, 'no error in the log');

done_testing();
