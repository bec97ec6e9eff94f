/*
 * The demo data set's tables: a realistic Long An, as data only (see
 * onestop_demo_data.h).  The generator, demo.c, draws from them; each
 * table's size is checked at build time against the one the generator
 * was compiled with.
 */

#define ONESTOP_DEMO_DATA_TABLES

#include "onestop_demo_data.h"


/* provincial departments; the agency code is 000.00.{index + 1}.H36 */

const char *const demo_depts[] = {
    "Sở Nội vụ",
    "Sở Ngoại vụ",
    "Sở Kế hoạch và Đầu tư",
    "Sở Tài chính",
    "Sở Công Thương",
    "Sở Nông nghiệp và Phát triển nông thôn",
    "Sở Giao thông vận tải",
    "Sở Xây dựng",
    "Sở Tài nguyên và Môi trường",
    "Sở Thông tin và Truyền thông",
    "Sở Lao động - Thương binh và Xã hội",
    "Sở Tư pháp",
    "Sở Văn hóa, Thể thao và Du lịch",
    "Sở Khoa học và Công nghệ",
    "Sở Giáo dục và Đào tạo",
    "Sở Y tế",
    "Thanh tra tỉnh",
    "Ban Quản lý Khu kinh tế"
};


/* districts of 2019; the agency code is 000.00.{31 + index}.H36 */

const demo_district_t demo_districts[] = {
    { "thành phố", "Tân An", 145 },
    { "thị xã", "Kiến Tường", 65 },
    { "huyện", "Tân Hưng", 51 },
    { "huyện", "Vĩnh Hưng", 52 },
    { "huyện", "Mộc Hóa", 29 },
    { "huyện", "Tân Thạnh", 77 },
    { "huyện", "Thạnh Hóa", 55 },
    { "huyện", "Đức Huệ", 58 },
    { "huyện", "Đức Hòa", 300 },
    { "huyện", "Bến Lức", 186 },
    { "huyện", "Thủ Thừa", 93 },
    { "huyện", "Tân Trụ", 61 },
    { "huyện", "Cần Đước", 185 },
    { "huyện", "Cần Giuộc", 200 },
    { "huyện", "Châu Thành", 101 }
};


/*
 * Communes, wards and towns by district; the agency code is
 * 000.{number in the district}.{district code}.H36.
 */

const demo_commune_t demo_communes[] = {
    { 0, "Phường 1" }, { 0, "Phường 2" }, { 0, "Phường 3" },
    { 0, "Phường 4" }, { 0, "Phường 5" }, { 0, "Phường 6" },
    { 0, "Phường 7" }, { 0, "phường Tân Khánh" },
    { 0, "phường Khánh Hậu" }, { 0, "xã Hướng Thọ Phú" },
    { 0, "xã Nhơn Thạnh Trung" }, { 0, "xã Lợi Bình Nhơn" },
    { 0, "xã Bình Tâm" }, { 0, "xã An Vĩnh Ngãi" },

    { 1, "Phường 1" }, { 1, "Phường 2" }, { 1, "Phường 3" },
    { 1, "xã Bình Hiệp" }, { 1, "xã Bình Tân" }, { 1, "xã Thạnh Trị" },
    { 1, "xã Thạnh Hưng" }, { 1, "xã Tuyên Thạnh" },

    { 2, "thị trấn Tân Hưng" }, { 2, "xã Hưng Hà" },
    { 2, "xã Hưng Điền B" }, { 2, "xã Hưng Điền" },
    { 2, "xã Thạnh Hưng" }, { 2, "xã Hưng Thạnh" },
    { 2, "xã Vĩnh Thạnh" }, { 2, "xã Vĩnh Châu B" },
    { 2, "xã Vĩnh Lợi" }, { 2, "xã Vĩnh Đại" },
    { 2, "xã Vĩnh Châu A" }, { 2, "xã Vĩnh Bửu" },

    { 3, "thị trấn Vĩnh Hưng" }, { 3, "xã Hưng Điền A" },
    { 3, "xã Khánh Hưng" }, { 3, "xã Thái Trị" }, { 3, "xã Vĩnh Trị" },
    { 3, "xã Thái Bình Trung" }, { 3, "xã Vĩnh Bình" },
    { 3, "xã Vĩnh Thuận" }, { 3, "xã Tuyên Bình" },
    { 3, "xã Tuyên Bình Tây" },

    { 4, "thị trấn Bình Phong Thạnh" }, { 4, "xã Tân Lập" },
    { 4, "xã Bình Hòa Tây" }, { 4, "xã Bình Thạnh" },
    { 4, "xã Bình Hòa Trung" }, { 4, "xã Bình Hòa Đông" },
    { 4, "xã Tân Thành" },

    { 5, "thị trấn Tân Thạnh" }, { 5, "xã Bắc Hòa" },
    { 5, "xã Hậu Thạnh Tây" }, { 5, "xã Nhơn Hòa Lập" },
    { 5, "xã Tân Lập" }, { 5, "xã Hậu Thạnh Đông" },
    { 5, "xã Nhơn Hòa" }, { 5, "xã Kiến Bình" }, { 5, "xã Tân Thành" },
    { 5, "xã Tân Bình" }, { 5, "xã Tân Ninh" }, { 5, "xã Nhơn Ninh" },
    { 5, "xã Tân Hòa" },

    { 6, "thị trấn Thạnh Hóa" }, { 6, "xã Tân Hiệp" },
    { 6, "xã Thuận Bình" }, { 6, "xã Thạnh Phước" },
    { 6, "xã Thạnh Phú" }, { 6, "xã Thuận Nghĩa Hòa" },
    { 6, "xã Thủy Đông" }, { 6, "xã Thủy Tây" }, { 6, "xã Tân Tây" },
    { 6, "xã Tân Đông" }, { 6, "xã Thạnh An" },

    { 7, "thị trấn Đông Thành" }, { 7, "xã Mỹ Quý Đông" },
    { 7, "xã Mỹ Thạnh Bắc" }, { 7, "xã Mỹ Quý Tây" },
    { 7, "xã Mỹ Thạnh Tây" }, { 7, "xã Mỹ Thạnh Đông" },
    { 7, "xã Bình Thành" }, { 7, "xã Bình Hòa Bắc" },
    { 7, "xã Bình Hòa Hưng" }, { 7, "xã Bình Hòa Nam" },
    { 7, "xã Mỹ Bình" },

    { 8, "thị trấn Hậu Nghĩa" }, { 8, "thị trấn Hiệp Hòa" },
    { 8, "thị trấn Đức Hòa" }, { 8, "xã Lộc Giang" },
    { 8, "xã An Ninh Đông" }, { 8, "xã An Ninh Tây" },
    { 8, "xã Tân Mỹ" }, { 8, "xã Hiệp Hòa" },
    { 8, "xã Đức Lập Thượng" }, { 8, "xã Đức Lập Hạ" },
    { 8, "xã Tân Phú" }, { 8, "xã Mỹ Hạnh Bắc" },
    { 8, "xã Đức Hòa Thượng" }, { 8, "xã Hòa Khánh Tây" },
    { 8, "xã Hòa Khánh Đông" }, { 8, "xã Mỹ Hạnh Nam" },
    { 8, "xã Hòa Khánh Nam" }, { 8, "xã Đức Hòa Đông" },
    { 8, "xã Đức Hòa Hạ" }, { 8, "xã Hựu Thạnh" },

    { 9, "thị trấn Bến Lức" }, { 9, "xã Thạnh Lợi" },
    { 9, "xã Lương Bình" }, { 9, "xã Thạnh Hòa" },
    { 9, "xã Lương Hòa" }, { 9, "xã Tân Hòa" }, { 9, "xã Tân Bửu" },
    { 9, "xã An Thạnh" }, { 9, "xã Bình Đức" }, { 9, "xã Mỹ Yên" },
    { 9, "xã Thanh Phú" }, { 9, "xã Long Hiệp" },
    { 9, "xã Thạnh Đức" }, { 9, "xã Phước Lợi" },
    { 9, "xã Nhựt Chánh" },

    { 10, "thị trấn Thủ Thừa" }, { 10, "xã Long Thạnh" },
    { 10, "xã Tân Thành" }, { 10, "xã Long Thuận" },
    { 10, "xã Mỹ Lạc" }, { 10, "xã Mỹ Thạnh" }, { 10, "xã Bình An" },
    { 10, "xã Nhị Thành" }, { 10, "xã Mỹ An" },
    { 10, "xã Bình Thạnh" }, { 10, "xã Mỹ Phú" },
    { 10, "xã Tân Long" },

    { 11, "thị trấn Tân Trụ" }, { 11, "xã Tân Bình" },
    { 11, "xã Quê Mỹ Thạnh" }, { 11, "xã Lạc Tấn" },
    { 11, "xã Bình Trinh Đông" }, { 11, "xã Tân Phước Tây" },
    { 11, "xã Bình Lãng" }, { 11, "xã Bình Tịnh" },
    { 11, "xã Đức Tân" }, { 11, "xã Nhựt Ninh" },
    { 11, "xã An Nhựt Tân" },

    { 12, "thị trấn Cần Đước" }, { 12, "xã Long Trạch" },
    { 12, "xã Long Khê" }, { 12, "xã Long Định" },
    { 12, "xã Phước Vân" }, { 12, "xã Long Hòa" },
    { 12, "xã Long Cang" }, { 12, "xã Long Sơn" },
    { 12, "xã Tân Trạch" }, { 12, "xã Mỹ Lệ" }, { 12, "xã Tân Lân" },
    { 12, "xã Phước Tuy" }, { 12, "xã Long Hựu Đông" },
    { 12, "xã Tân Ân" }, { 12, "xã Phước Đông" },
    { 12, "xã Long Hựu Tây" }, { 12, "xã Tân Chánh" },

    { 13, "thị trấn Cần Giuộc" }, { 13, "xã Phước Lý" },
    { 13, "xã Long Thượng" }, { 13, "xã Long Hậu" },
    { 13, "xã Phước Hậu" }, { 13, "xã Mỹ Lộc" },
    { 13, "xã Phước Lại" }, { 13, "xã Phước Lâm" },
    { 13, "xã Thuận Thành" }, { 13, "xã Phước Vĩnh Tây" },
    { 13, "xã Phước Vĩnh Đông" }, { 13, "xã Long An" },
    { 13, "xã Long Phụng" }, { 13, "xã Đông Thạnh" },
    { 13, "xã Tân Tập" }, { 13, "xã Trường Bình" },
    { 13, "xã Tân Kim" },

    { 14, "thị trấn Tầm Vu" }, { 14, "xã Bình Quới" },
    { 14, "xã Hòa Phú" }, { 14, "xã Phú Ngãi Trị" },
    { 14, "xã Vĩnh Công" }, { 14, "xã Thuận Mỹ" },
    { 14, "xã Hiệp Thạnh" }, { 14, "xã Phước Tân Hưng" },
    { 14, "xã Thanh Phú Long" }, { 14, "xã Dương Xuân Hội" },
    { 14, "xã An Lục Long" }, { 14, "xã Long Trì" },
    { 14, "xã Thanh Vĩnh Đông" }
};


/* fields */

const demo_field_t demo_fields[] = {
    { "tu-phap", "Tư pháp", 0 },
    { "ho-tich", "Hộ tịch", 0 },
    { "chung-thuc", "Chứng thực", 0 },
    { "dang-ky-kinh-doanh", "Đăng ký kinh doanh", 0 },
    { "dau-tu", "Đầu tư tại Việt Nam", 1 },
    { "dat-dai", "Đất đai", 1 },
    { "moi-truong", "Môi trường", 0 },
    { "tai-nguyen-nuoc", "Tài nguyên nước", 0 },
    { "xay-dung", "Xây dựng", 1 },
    { "giao-thong", "Giao thông đường bộ", 0 },
    { "lao-dong", "Lao động", 0 },
    { "nguoi-co-cong", "Người có công", 0 },
    { "bao-tro-xa-hoi", "Bảo trợ xã hội", 0 },
    { "y-te", "Y tế", 0 },
    { "an-toan-thuc-pham", "An toàn thực phẩm", 0 },
    { "giao-duc", "Giáo dục và Đào tạo", 0 },
    { "thuong-mai", "Thương mại", 0 },
    { "nong-nghiep", "Nông nghiệp", 0 },
    { "tai-chinh", "Tài chính", 0 },
    { "noi-vu", "Nội vụ", 0 },
    { "ton-giao", "Tín ngưỡng, tôn giáo", 0 },
    { "van-hoa", "Văn hóa, thể thao và du lịch", 0 },
    { "khoa-hoc-cong-nghe", "Khoa học và công nghệ", 0 },
    { "thong-tin-truyen-thong", "Thông tin và truyền thông", 0 },
    { "khieu-nai-to-cao", "Giải quyết khiếu nại, tố cáo", 0 },
    { "ngoai-vu", "Ngoại vụ", 0 }
};


/*
 * Procedures: id, field, level, the department(s) handling it for the
 * province level, the legal handling time in working days, who applies,
 * how common it is, and the name.
 */

#define C_                    L_COMMUNE, -1, -1
#define D_                    L_DISTRICT, -1, -1
#define P_(d)                 L_PROVINCE, d, -1
#define P2_(d, d2)            L_PROVINCE, d, d2

const demo_proc_t demo_procs[] = {

    /* communes */

    { "1.001193", F_HOTICH, C_, 1, K_CIT, 260,
      "Đăng ký khai sinh" },
    { "1.000894", F_HOTICH, C_, 1, K_CIT, 70,
      "Đăng ký kết hôn" },
    { "1.000656", F_HOTICH, C_, 1, K_CIT, 70,
      "Đăng ký khai tử" },
    { "1.004746", F_HOTICH, C_, 1, K_CIT, 110,
      "Cấp bản sao trích lục hộ tịch" },
    { "1.004873", F_HOTICH, C_, 3, K_CIT, 150,
      "Cấp Giấy xác nhận tình trạng hôn nhân" },
    { "1.004884", F_HOTICH, C_, 5, K_CIT, 15,
      "Đăng ký lại khai sinh" },
    { "1.004827", F_HOTICH, C_, 3, K_CIT, 10,
      "Đăng ký nhận cha, mẹ, con" },
    { "1.004859", F_HOTICH, C_, 3, K_CIT, 40,
      "Đăng ký thay đổi, cải chính, bổ sung thông tin hộ tịch" },
    { "1.001022", F_HOTICH, C_, 3, K_CIT, 8,
      "Đăng ký khai sinh kết hợp nhận cha, mẹ, con" },
    { "2.000815", F_CHUNGTHUC, C_, 1, K_CIT, 420,
      "Chứng thực bản sao từ bản chính giấy tờ, văn bản do cơ quan, "
      "tổ chức có thẩm quyền của Việt Nam cấp hoặc chứng nhận" },
    { "2.000884", F_CHUNGTHUC, C_, 1, K_CIT, 150,
      "Chứng thực chữ ký trong các giấy tờ, văn bản" },
    { "2.001035", F_CHUNGTHUC, C_, 2, K_CIT, 90,
      "Chứng thực hợp đồng, giao dịch liên quan đến tài sản là động "
      "sản, quyền sử dụng đất và nhà ở" },
    { "2.001019", F_CHUNGTHUC, C_, 3, K_CIT, 18,
      "Chứng thực văn bản thỏa thuận phân chia di sản mà di sản là "
      "động sản, quyền sử dụng đất, nhà ở" },
    { "1.003554", F_DATDAI, C_, 30, K_CIT, 6,
      "Hòa giải tranh chấp đất đai" },
    { "1.001776", F_BAOTRO, C_, 20, K_CIT, 18,
      "Thực hiện, điều chỉnh, thôi hưởng trợ cấp xã hội hằng tháng" },
    { "2.000286", F_BAOTRO, C_, 25, K_CIT, 10,
      "Xác định, xác định lại mức độ khuyết tật và cấp Giấy xác nhận "
      "khuyết tật" },
    { "1.004946", F_BAOTRO, C_, 5, K_CIT, 8,
      "Hỗ trợ chi phí mai táng cho đối tượng bảo trợ xã hội" },
    { "1.002519", F_NGUOICOCONG, C_, 5, K_CIT, 5,
      "Giải quyết chế độ mai táng phí đối với cựu chiến binh" },
    { "1.001078", F_TONGIAO, C_, 15, K_MIX, 2,
      "Đăng ký hoạt động tín ngưỡng" },
    { "2.001827", F_NONGNGHIEP, C_, 10, K_CIT, 5,
      "Hỗ trợ khôi phục sản xuất vùng bị thiệt hại do thiên tai, "
      "dịch bệnh" },
    { "1.000954", F_VANHOA, C_, 5, K_CIT, 6,
      "Xét tặng danh hiệu Gia đình văn hóa hằng năm" },
    { "2.002224", F_KHIEUNAI, C_, 30, K_CIT, 2,
      "Giải quyết khiếu nại lần đầu tại cấp xã" },

    /* districts */

    { "1.001695", F_HOTICH, D_, 3, K_CIT, 8,
      "Đăng ký khai sinh có yếu tố nước ngoài" },
    { "1.000893", F_HOTICH, D_, 15, K_CIT, 10,
      "Đăng ký kết hôn có yếu tố nước ngoài" },
    { "2.000528", F_HOTICH, D_, 3, K_CIT, 10,
      "Đăng ký thay đổi, cải chính, xác định lại dân tộc, bổ sung "
      "thông tin hộ tịch cho người từ đủ 14 tuổi trở lên" },
    { "2.000908", F_CHUNGTHUC, D_, 1, K_CIT, 40,
      "Chứng thực bản sao từ bản chính giấy tờ, văn bản do cơ quan, "
      "tổ chức có thẩm quyền của nước ngoài cấp hoặc chứng nhận" },
    { "2.000942", F_CHUNGTHUC, D_, 1, K_CIT, 30,
      "Chứng thực chữ ký người dịch mà người dịch là cộng tác viên "
      "dịch thuật của Phòng Tư pháp" },
    { "2.000720", F_DKKD, D_, 3, K_CIT, 90,
      "Đăng ký thành lập hộ kinh doanh" },
    { "2.000575", F_DKKD, D_, 3, K_CIT, 50,
      "Đăng ký thay đổi nội dung đăng ký hộ kinh doanh" },
    { "2.000565", F_DKKD, D_, 3, K_CIT, 15,
      "Tạm ngừng kinh doanh, tiếp tục kinh doanh trước thời hạn đã "
      "thông báo của hộ kinh doanh" },
    { "2.000552", F_DKKD, D_, 3, K_CIT, 15,
      "Chấm dứt hoạt động hộ kinh doanh" },
    { "1.005280", F_DKKD, D_, 5, K_ORG, 3,
      "Đăng ký thành lập hợp tác xã" },
    { "1.003003", F_DATDAI, D_, 30, K_CIT, 60,
      "Đăng ký, cấp Giấy chứng nhận quyền sử dụng đất, quyền sở hữu "
      "nhà ở và tài sản khác gắn liền với đất lần đầu" },
    { "1.002255", F_DATDAI, D_, 10, K_CIT, 200,
      "Đăng ký biến động quyền sử dụng đất, quyền sở hữu tài sản gắn "
      "liền với đất do chuyển nhượng, tặng cho, thừa kế" },
    { "2.000983", F_DATDAI, D_, 3, K_CIT, 120,
      "Đăng ký thế chấp quyền sử dụng đất, tài sản gắn liền với đất" },
    { "2.000889", F_DATDAI, D_, 3, K_CIT, 70,
      "Xóa đăng ký thế chấp quyền sử dụng đất, tài sản gắn liền với "
      "đất" },
    { "1.004203", F_DATDAI, D_, 15, K_CIT, 70,
      "Tách thửa hoặc hợp thửa đất" },
    { "1.001009", F_DATDAI, D_, 7, K_CIT, 50,
      "Cấp đổi Giấy chứng nhận quyền sử dụng đất, quyền sở hữu nhà ở "
      "và tài sản khác gắn liền với đất" },
    { "1.001990", F_DATDAI, D_, 10, K_CIT, 15,
      "Cấp lại Giấy chứng nhận quyền sử dụng đất do bị mất" },
    { "1.004217", F_DATDAI, D_, 15, K_CIT, 40,
      "Chuyển mục đích sử dụng đất phải được phép của cơ quan nhà nước "
      "có thẩm quyền đối với hộ gia đình, cá nhân" },
    { "1.003010", F_DATDAI, D_, 10, K_CIT, 10,
      "Đính chính Giấy chứng nhận đã cấp" },
    { "2.000381", F_DATDAI, D_, 30, K_CIT, 4,
      "Giải quyết tranh chấp đất đai thuộc thẩm quyền của Chủ tịch Ủy "
      "ban nhân dân cấp huyện" },
    { "1.009994", F_XAYDUNG, D_, 15, K_CIT, 60,
      "Cấp giấy phép xây dựng mới đối với nhà ở riêng lẻ" },
    { "1.009995", F_XAYDUNG, D_, 15, K_CIT, 10,
      "Cấp giấy phép sửa chữa, cải tạo đối với nhà ở riêng lẻ" },
    { "1.009982", F_XAYDUNG, D_, 20, K_ORG, 6,
      "Thẩm định Báo cáo kinh tế - kỹ thuật đầu tư xây dựng" },
    { "1.004138", F_MOITRUONG, D_, 10, K_MIX, 12,
      "Xác nhận đăng ký kế hoạch bảo vệ môi trường" },
    { "2.000620", F_THUONGMAI, D_, 10, K_MIX, 8,
      "Cấp Giấy phép bán lẻ rượu" },
    { "2.000633", F_THUONGMAI, D_, 10, K_CIT, 3,
      "Cấp Giấy phép sản xuất rượu thủ công nhằm mục đích kinh doanh" },
    { "2.001240", F_THUONGMAI, D_, 15, K_MIX, 6,
      "Cấp Giấy phép bán lẻ sản phẩm thuốc lá" },
    { "1.001619", F_ATTP, D_, 15, K_MIX, 10,
      "Cấp Giấy chứng nhận cơ sở đủ điều kiện an toàn thực phẩm đối "
      "với cơ sở kinh doanh dịch vụ ăn uống" },
    { "1.004475", F_GIAODUC, D_, 3, K_CIT, 15,
      "Chuyển trường đối với học sinh trung học cơ sở" },
    { "1.005092", F_GIAODUC, D_, 2, K_CIT, 10,
      "Cấp bản sao văn bằng, chứng chỉ từ sổ gốc" },
    { "1.001029", F_VANHOA, D_, 5, K_MIX, 5,
      "Cấp Giấy phép đủ điều kiện kinh doanh dịch vụ karaoke" },
    { "1.000738", F_VANHOA, D_, 10, K_ORG, 2,
      "Xét tặng danh hiệu \"Ấp văn hóa\", \"Khu phố văn hóa\"" },
    { "1.001090", F_TONGIAO, D_, 20, K_ORG, 2,
      "Đăng ký người được bổ nhiệm, bầu cử, suy cử làm chức việc của "
      "tổ chức tôn giáo có địa bàn hoạt động ở một huyện" },
    { "1.001758", F_NGUOICOCONG, D_, 12, K_CIT, 8,
      "Hưởng trợ cấp khi người có công đang hưởng trợ cấp ưu đãi từ "
      "trần" },
    { "2.000477", F_NGUOICOCONG, D_, 12, K_CIT, 4,
      "Giải quyết chế độ trợ cấp thờ cúng liệt sĩ" },
    { "1.001653", F_BAOTRO, D_, 10, K_CIT, 3,
      "Tiếp nhận đối tượng bảo trợ xã hội có hoàn cảnh đặc biệt khó "
      "khăn vào cơ sở trợ giúp xã hội cấp huyện" },
    { "1.000933", F_NOIVU, D_, 20, K_ORG, 3,
      "Tặng Giấy khen của Chủ tịch Ủy ban nhân dân cấp huyện về thực "
      "hiện nhiệm vụ chính trị" },
    { "2.002225", F_KHIEUNAI, D_, 30, K_CIT, 3,
      "Giải quyết khiếu nại lần đầu tại cấp huyện" },

    /* provincial departments */

    { "2.000488", F_TUPHAP, P_(DP_TUPHAP), 10, K_CIT, 330,
      "Cấp Phiếu lý lịch tư pháp cho công dân Việt Nam, người nước "
      "ngoài đang cư trú tại Việt Nam" },
    { "2.000505", F_TUPHAP, P_(DP_TUPHAP), 10, K_ORG, 10,
      "Cấp Phiếu lý lịch tư pháp cho cơ quan nhà nước, tổ chức chính "
      "trị, tổ chức chính trị - xã hội" },
    { "2.000837", F_TUPHAP, P_(DP_TUPHAP), 10, K_ORG, 3,
      "Đăng ký hoạt động Văn phòng công chứng" },
    { "1.008918", F_TUPHAP, P_(DP_TUPHAP), 7, K_ORG, 3,
      "Đăng ký hoạt động của tổ chức hành nghề luật sư" },
    { "2.002176", F_TUPHAP, P_(DP_TUPHAP), 10, K_ORG, 2,
      "Đăng ký hoạt động của doanh nghiệp đấu giá tài sản" },

    { "2.001610", F_DKKD, P_(DP_KHDT), 3, K_ORG, 80,
      "Đăng ký thành lập công ty trách nhiệm hữu hạn một thành viên" },
    { "2.001199", F_DKKD, P_(DP_KHDT), 3, K_ORG, 25,
      "Đăng ký thành lập công ty trách nhiệm hữu hạn hai thành viên "
      "trở lên" },
    { "2.002038", F_DKKD, P_(DP_KHDT), 3, K_ORG, 20,
      "Đăng ký thành lập công ty cổ phần" },
    { "2.002036", F_DKKD, P_(DP_KHDT), 3, K_MIX, 15,
      "Đăng ký thành lập doanh nghiệp tư nhân" },
    { "2.002000", F_DKKD, P_(DP_KHDT), 3, K_ORG, 110,
      "Đăng ký thay đổi nội dung đăng ký doanh nghiệp" },
    { "2.001583", F_DKKD, P_(DP_KHDT), 3, K_ORG, 20,
      "Thông báo tạm ngừng kinh doanh, tiếp tục kinh doanh trước thời "
      "hạn đã thông báo của doanh nghiệp" },
    { "2.001968", F_DKKD, P_(DP_KHDT), 5, K_ORG, 15,
      "Giải thể doanh nghiệp" },
    { "2.001624", F_DKKD, P_(DP_KHDT), 3, K_ORG, 25,
      "Đăng ký hoạt động chi nhánh, văn phòng đại diện, địa điểm kinh "
      "doanh" },
    { "1.009645", F_DAUTU, P2_(DP_KHDT, DP_BQLKKT), 15, K_ORG, 8,
      "Cấp Giấy chứng nhận đăng ký đầu tư đối với dự án không thuộc "
      "diện chấp thuận chủ trương đầu tư" },
    { "1.009644", F_DAUTU, P2_(DP_KHDT, DP_BQLKKT), 10, K_ORG, 10,
      "Điều chỉnh Giấy chứng nhận đăng ký đầu tư" },
    { "1.009742", F_DAUTU, P2_(DP_KHDT, DP_BQLKKT), 30, K_ORG, 3,
      "Chấp thuận chủ trương đầu tư của Ủy ban nhân dân cấp tỉnh" },

    { "1.005426", F_TAICHINH, P_(DP_TAICHINH), 2, K_ORG, 20,
      "Đăng ký mã số đơn vị có quan hệ với ngân sách" },
    { "2.001826", F_TAICHINH, P_(DP_TAICHINH), 15, K_ORG, 3,
      "Thẩm định phương án giá tài sản, hàng hóa, dịch vụ do Nhà nước "
      "định giá" },
    { "1.005435", F_TAICHINH, P_(DP_TAICHINH), 30, K_ORG, 3,
      "Quyết định thanh lý tài sản công" },

    { "2.000636", F_THUONGMAI, P_(DP_CONGTHUONG), 10, K_ORG, 5,
      "Cấp Giấy phép bán buôn rượu" },
    { "2.000647", F_THUONGMAI, P_(DP_CONGTHUONG), 15, K_ORG, 8,
      "Cấp Giấy chứng nhận đủ điều kiện cửa hàng bán lẻ xăng dầu" },
    { "2.000004", F_THUONGMAI, P_(DP_CONGTHUONG), 5, K_ORG, 15,
      "Đăng ký thực hiện khuyến mại theo hình thức mang tính may rủi "
      "trên địa bàn một tỉnh" },
    { "2.000591", F_ATTP, P_(DP_CONGTHUONG), 15, K_ORG, 6,
      "Cấp Giấy chứng nhận cơ sở đủ điều kiện an toàn thực phẩm do Sở "
      "Công Thương thực hiện" },

    { "1.003619", F_ATTP, P_(DP_NNPTNT), 15, K_ORG, 10,
      "Cấp Giấy chứng nhận cơ sở đủ điều kiện an toàn thực phẩm nông "
      "lâm thủy sản" },
    { "1.003810", F_NONGNGHIEP, P_(DP_NNPTNT), 1, K_MIX, 40,
      "Cấp Giấy chứng nhận kiểm dịch động vật, sản phẩm động vật vận "
      "chuyển ra khỏi địa bàn cấp tỉnh" },
    { "1.004346", F_NONGNGHIEP, P_(DP_NNPTNT), 15, K_MIX, 10,
      "Cấp Giấy chứng nhận đủ điều kiện buôn bán thuốc bảo vệ thực "
      "vật" },
    { "1.007931", F_NONGNGHIEP, P_(DP_NNPTNT), 15, K_MIX, 8,
      "Cấp Giấy chứng nhận đủ điều kiện buôn bán phân bón" },
    { "1.004359", F_NONGNGHIEP, P_(DP_NNPTNT), 5, K_CIT, 6,
      "Cấp, cấp lại giấy phép khai thác thủy sản" },
    { "1.004692", F_NONGNGHIEP, P_(DP_NNPTNT), 3, K_CIT, 4,
      "Cấp Giấy chứng nhận đăng ký tàu cá" },

    { "1.002804", F_GIAOTHONG, P_(DP_GTVT), 5, K_CIT, 330,
      "Đổi Giấy phép lái xe do ngành Giao thông vận tải cấp" },
    { "1.002809", F_GIAOTHONG, P_(DP_GTVT), 10, K_CIT, 30,
      "Cấp lại Giấy phép lái xe" },
    { "1.002852", F_GIAOTHONG, P_(DP_GTVT), 5, K_ORG, 15,
      "Cấp Giấy phép kinh doanh vận tải bằng xe ô tô" },
    { "1.002856", F_GIAOTHONG, P_(DP_GTVT), 2, K_ORG, 40,
      "Cấp phù hiệu xe ô tô kinh doanh vận tải" },
    { "1.001051", F_GIAOTHONG, P_(DP_GTVT), 7, K_ORG, 5,
      "Cấp phép thi công công trình đường bộ trên quốc lộ, đường tỉnh "
      "đang khai thác" },
    { "1.002793", F_GIAOTHONG, P_(DP_GTVT), 5, K_CIT, 10,
      "Cấp Giấy phép lái xe quốc tế" },
    { "1.001777", F_GIAOTHONG, P_(DP_GTVT), 3, K_MIX, 6,
      "Cấp Giấy chứng nhận đăng ký, biển số xe máy chuyên dùng lần "
      "đầu" },

    { "1.009928", F_XAYDUNG, P_(DP_XAYDUNG), 20, K_CIT, 20,
      "Cấp chứng chỉ hành nghề hoạt động xây dựng hạng II, hạng III" },
    { "1.009939", F_XAYDUNG, P_(DP_XAYDUNG), 20, K_ORG, 10,
      "Cấp chứng chỉ năng lực hoạt động xây dựng hạng II, hạng III" },
    { "1.009974", F_XAYDUNG, P_(DP_XAYDUNG), 20, K_ORG, 8,
      "Cấp giấy phép xây dựng mới đối với công trình cấp II, cấp III" },
    { "1.009972", F_XAYDUNG, P_(DP_XAYDUNG), 30, K_ORG, 5,
      "Thẩm định Báo cáo nghiên cứu khả thi đầu tư xây dựng" },
    { "1.009987", F_XAYDUNG, P_(DP_XAYDUNG), 20, K_ORG, 2,
      "Cấp giấy phép hoạt động xây dựng cho nhà thầu nước ngoài" },

    { "1.004269", F_DATDAI, P_(DP_TNMT), 30, K_ORG, 8,
      "Đăng ký, cấp Giấy chứng nhận quyền sử dụng đất, quyền sở hữu "
      "nhà ở và tài sản khác gắn liền với đất lần đầu cho tổ chức" },
    { "1.004227", F_DATDAI, P_(DP_TNMT), 10, K_ORG, 12,
      "Đăng ký biến động quyền sử dụng đất, quyền sở hữu tài sản gắn "
      "liền với đất đối với tổ chức" },
    { "1.004229", F_DATDAI, P_(DP_TNMT), 20, K_ORG, 4,
      "Giao đất, cho thuê đất không thông qua hình thức đấu giá quyền "
      "sử dụng đất" },
    { "1.004193", F_DATDAI, P_(DP_TNMT), 2, K_MIX, 20,
      "Cung cấp thông tin, dữ liệu đất đai" },
    { "1.004249", F_MOITRUONG, P_(DP_TNMT), 30, K_ORG, 5,
      "Thẩm định, phê duyệt báo cáo đánh giá tác động môi trường" },
    { "1.008727", F_MOITRUONG, P_(DP_TNMT), 30, K_ORG, 4,
      "Cấp giấy phép môi trường" },
    { "1.004316", F_MOITRUONG, P_(DP_TNMT), 15, K_ORG, 6,
      "Cấp Sổ đăng ký chủ nguồn thải chất thải nguy hại" },
    { "1.004232", F_NUOC, P_(DP_TNMT), 30, K_ORG, 8,
      "Cấp giấy phép khai thác, sử dụng nước dưới đất" },
    { "1.004253", F_NUOC, P_(DP_TNMT), 30, K_ORG, 4,
      "Cấp giấy phép xả nước thải vào nguồn nước" },

    { "1.003677", F_TTTT, P_(DP_TTTT), 10, K_ORG, 3,
      "Cấp giấy phép xuất bản bản tin" },
    { "1.003725", F_TTTT, P_(DP_TTTT), 7, K_ORG, 3,
      "Cấp giấy phép hoạt động in" },
    { "1.004428", F_TTTT, P_(DP_TTTT), 10, K_ORG, 3,
      "Cấp giấy phép thiết lập trang thông tin điện tử tổng hợp" },

    { "1.000105", F_LAODONG, P2_(DP_LDTBXH, DP_BQLKKT), 5, K_ORG, 25,
      "Cấp giấy phép lao động cho người lao động nước ngoài làm việc "
      "tại Việt Nam" },
    { "1.000109", F_LAODONG, P2_(DP_LDTBXH, DP_BQLKKT), 5, K_ORG, 8,
      "Gia hạn giấy phép lao động cho người lao động nước ngoài làm "
      "việc tại Việt Nam" },
    { "1.000184", F_LAODONG, P2_(DP_LDTBXH, DP_BQLKKT), 7, K_ORG, 10,
      "Đăng ký nội quy lao động của doanh nghiệp" },
    { "1.001978", F_LAODONG, P_(DP_LDTBXH), 20, K_CIT, 60,
      "Giải quyết hưởng trợ cấp thất nghiệp" },
    { "1.002252", F_NGUOICOCONG, P_(DP_LDTBXH), 20, K_CIT, 4,
      "Giải quyết chế độ ưu đãi đối với thân nhân liệt sĩ" },
    { "1.002410", F_NGUOICOCONG, P_(DP_LDTBXH), 5, K_CIT, 8,
      "Cấp giấy giới thiệu đi thăm viếng mộ liệt sĩ và hỗ trợ thăm "
      "viếng mộ liệt sĩ" },
    { "1.002429", F_NGUOICOCONG, P_(DP_LDTBXH), 10, K_CIT, 4,
      "Di chuyển hồ sơ khi người hưởng trợ cấp ưu đãi thay đổi nơi "
      "thường trú" },
    { "1.000684", F_BAOTRO, P_(DP_LDTBXH), 15, K_ORG, 1,
      "Cấp giấy chứng nhận đăng ký thành lập cơ sở trợ giúp xã hội "
      "ngoài công lập" },

    { "1.000896", F_VANHOA, P_(DP_VHTTDL), 5, K_ORG, 8,
      "Cấp giấy phép tổ chức biểu diễn nghệ thuật" },
    { "1.004628", F_VANHOA, P_(DP_VHTTDL), 10, K_ORG, 3,
      "Cấp giấy phép kinh doanh dịch vụ lữ hành nội địa" },
    { "1.004580", F_VANHOA, P_(DP_VHTTDL), 30, K_ORG, 3,
      "Công nhận hạng cơ sở lưu trú du lịch: hạng 1 sao, 2 sao, 3 sao" },
    { "1.000570", F_VANHOA, P_(DP_VHTTDL), 7, K_ORG, 4,
      "Cấp Giấy chứng nhận đủ điều kiện kinh doanh hoạt động thể thao" },
    { "1.004623", F_VANHOA, P_(DP_VHTTDL), 15, K_CIT, 3,
      "Cấp thẻ hướng dẫn viên du lịch nội địa" },

    { "1.003720", F_KHCN, P_(DP_KHCN), 20, K_ORG, 6,
      "Cấp giấy phép tiến hành công việc bức xạ - sử dụng thiết bị "
      "X-quang chẩn đoán trong y tế" },
    { "1.003742", F_KHCN, P_(DP_KHCN), 10, K_CIT, 4,
      "Cấp chứng chỉ nhân viên bức xạ" },
    { "1.000453", F_KHCN, P_(DP_KHCN), 1, K_ORG, 8,
      "Kiểm tra nhà nước về chất lượng hàng hóa nhóm 2 nhập khẩu" },

    { "1.005095", F_GIAODUC, P_(DP_GDDT), 2, K_CIT, 25,
      "Cấp bản sao văn bằng, chứng chỉ từ sổ gốc" },
    { "1.005088", F_GIAODUC, P_(DP_GDDT), 5, K_CIT, 6,
      "Chỉnh sửa nội dung văn bằng, chứng chỉ" },
    { "1.004831", F_GIAODUC, P_(DP_GDDT), 3, K_CIT, 10,
      "Chuyển trường đối với học sinh trung học phổ thông" },
    { "1.004838", F_GIAODUC, P_(DP_GDDT), 10, K_CIT, 8,
      "Cấp giấy phép tổ chức hoạt động dạy thêm, học thêm ngoài nhà "
      "trường" },
    { "1.000288", F_GIAODUC, P_(DP_GDDT), 20, K_ORG, 3,
      "Cho phép trung tâm ngoại ngữ, tin học hoạt động giáo dục" },

    { "1.004616", F_YTE, P_(DP_YTE), 30, K_CIT, 20,
      "Cấp chứng chỉ hành nghề khám bệnh, chữa bệnh đối với người Việt "
      "Nam" },
    { "1.004617", F_YTE, P_(DP_YTE), 30, K_MIX, 8,
      "Cấp giấy phép hoạt động đối với phòng khám chuyên khoa" },
    { "1.002952", F_YTE, P_(DP_YTE), 20, K_CIT, 20,
      "Cấp Chứng chỉ hành nghề dược" },
    { "1.004599", F_YTE, P_(DP_YTE), 20, K_MIX, 25,
      "Cấp Giấy chứng nhận đủ điều kiện kinh doanh dược đối với nhà "
      "thuốc" },
    { "1.002425", F_ATTP, P_(DP_YTE), 15, K_ORG, 10,
      "Cấp Giấy chứng nhận cơ sở đủ điều kiện an toàn thực phẩm do Sở "
      "Y tế quản lý" },
    { "1.003015", F_ATTP, P_(DP_YTE), 7, K_ORG, 15,
      "Cấp Giấy tiếp nhận đăng ký bản công bố sản phẩm" },

    { "1.000775", F_NOIVU, P_(DP_NOIVU), 30, K_CIT, 1,
      "Công nhận ban vận động thành lập hội" },
    { "1.000786", F_NOIVU, P_(DP_NOIVU), 20, K_ORG, 15,
      "Tặng Bằng khen của Chủ tịch Ủy ban nhân dân tỉnh" },
    { "1.001098", F_TONGIAO, P_(DP_NOIVU), 20, K_ORG, 2,
      "Đề nghị tổ chức cuộc lễ ngoài cơ sở tôn giáo có quy mô tổ chức "
      "ở một tỉnh" },

    { "2.001725", F_NGOAIVU, P_(DP_NGOAIVU), 15, K_ORG, 2,
      "Cho phép tổ chức hội nghị, hội thảo quốc tế thuộc thẩm quyền "
      "của Chủ tịch Ủy ban nhân dân tỉnh" },
    { "2.001738", F_NGOAIVU, P_(DP_NGOAIVU), 15, K_CIT, 5,
      "Cho phép doanh nhân sử dụng thẻ đi lại của doanh nhân APEC" },

    { "2.002226", F_KHIEUNAI, P_(DP_THANHTRA), 30, K_CIT, 2,
      "Giải quyết khiếu nại lần đầu tại cấp tỉnh" },

    { "1.009954", F_XAYDUNG, P_(DP_BQLKKT), 15, K_ORG, 8,
      "Cấp giấy phép xây dựng công trình trong khu công nghiệp, khu "
      "kinh tế" },
    { "1.009957", F_MOITRUONG, P_(DP_BQLKKT), 10, K_ORG, 3,
      "Xác nhận đăng ký kế hoạch bảo vệ môi trường trong khu công "
      "nghiệp" }
};

#undef C_
#undef D_
#undef P_
#undef P2_


/* names */

const demo_word_t demo_family[] = {
    { "Nguyễn", "nguyen", 380 }, { "Trần", "tran", 110 },
    { "Lê", "le", 95 }, { "Phạm", "pham", 70 }, { "Huỳnh", "huynh", 50 },
    { "Võ", "vo", 45 }, { "Phan", "phan", 40 }, { "Trương", "truong", 15 },
    { "Đặng", "dang", 20 }, { "Bùi", "bui", 20 }, { "Hoàng", "hoang", 15 },
    { "Đỗ", "do", 15 }, { "Hồ", "ho", 15 }, { "Ngô", "ngo", 15 },
    { "Dương", "duong", 12 }, { "Lý", "ly", 10 }, { "Đinh", "dinh", 8 },
    { "Lâm", "lam", 8 }, { "Đoàn", "doan", 6 }, { "Mai", "mai", 6 },
    { "Châu", "chau", 6 }, { "Tô", "to", 5 }, { "Cao", "cao", 5 },
    { "Lương", "luong", 5 }, { "Thái", "thai", 4 }, { "Tạ", "ta", 3 },
    { "Vương", "vuong", 3 }, { "La", "la", 3 }, { "Quách", "quach", 3 },
    { "Kiều", "kieu", 2 }
};

const demo_word_t demo_middle_m[] = {
    { "Văn", "van", 450 }, { "Minh", "minh", 70 }, { "Hữu", "huu", 60 },
    { "Thanh", "thanh", 60 }, { "Quốc", "quoc", 50 }, { "Đức", "duc", 40 },
    { "Công", "cong", 40 }, { "Hoàng", "hoang", 30 }, { "Tấn", "tan", 50 },
    { "Thành", "thanh", 40 }, { "Trung", "trung", 30 },
    { "Ngọc", "ngoc", 30 }, { "Phước", "phuoc", 20 },
    { "Hoài", "hoai", 15 }, { "Duy", "duy", 15 }
};

const demo_word_t demo_middle_f[] = {
    { "Thị", "thi", 500 }, { "Ngọc", "ngoc", 80 }, { "Thanh", "thanh", 50 },
    { "Kim", "kim", 50 }, { "Thu", "thu", 40 }, { "Mỹ", "my", 40 },
    { "Bích", "bich", 30 }, { "Hồng", "hong", 40 }, { "Thùy", "thuy", 30 },
    { "Phương", "phuong", 30 }, { "Diễm", "diem", 20 },
    { "Kiều", "kieu", 20 }, { "Tuyết", "tuyet", 20 }, { "Huỳnh", "huynh", 20 }
};

const demo_word_t demo_given_m[] = {
    { "An", "an", 10 }, { "Bình", "binh", 10 }, { "Cường", "cuong", 10 },
    { "Dũng", "dung", 10 }, { "Đạt", "dat", 10 }, { "Hải", "hai", 10 },
    { "Hùng", "hung", 10 }, { "Hiếu", "hieu", 10 }, { "Hòa", "hoa", 8 },
    { "Huy", "huy", 10 }, { "Khánh", "khanh", 8 }, { "Khoa", "khoa", 8 },
    { "Lâm", "lam", 6 }, { "Lộc", "loc", 8 }, { "Long", "long", 10 },
    { "Luân", "luan", 5 }, { "Minh", "minh", 10 }, { "Nam", "nam", 10 },
    { "Nghĩa", "nghia", 8 }, { "Nhân", "nhan", 8 }, { "Phát", "phat", 8 },
    { "Phong", "phong", 8 }, { "Phúc", "phuc", 10 }, { "Phước", "phuoc", 8 },
    { "Quang", "quang", 8 }, { "Sang", "sang", 8 }, { "Sơn", "son", 10 },
    { "Tài", "tai", 10 }, { "Tâm", "tam", 8 }, { "Thắng", "thang", 8 },
    { "Thịnh", "thinh", 8 }, { "Toàn", "toan", 8 }, { "Trí", "tri", 8 },
    { "Trung", "trung", 8 }, { "Tuấn", "tuan", 10 }, { "Vinh", "vinh", 8 },
    { "Việt", "viet", 6 }, { "Vũ", "vu", 6 }, { "Hậu", "hau", 6 },
    { "Tín", "tin", 6 }, { "Hưng", "hung", 8 }, { "Thông", "thong", 5 }
};

const demo_word_t demo_given_f[] = {
    { "Anh", "anh", 10 }, { "Ánh", "anh", 8 }, { "Châu", "chau", 6 },
    { "Diễm", "diem", 6 }, { "Dung", "dung", 8 }, { "Giang", "giang", 6 },
    { "Hà", "ha", 8 }, { "Hằng", "hang", 8 }, { "Hạnh", "hanh", 8 },
    { "Hiền", "hien", 8 }, { "Hoa", "hoa", 8 }, { "Hòa", "hoa", 6 },
    { "Hương", "huong", 10 }, { "Huyền", "huyen", 8 }, { "Khánh", "khanh", 5 },
    { "Lan", "lan", 10 }, { "Liên", "lien", 6 }, { "Linh", "linh", 10 },
    { "Loan", "loan", 8 }, { "Mai", "mai", 8 }, { "My", "my", 8 },
    { "Ngân", "ngan", 8 }, { "Nga", "nga", 6 }, { "Ngọc", "ngoc", 6 },
    { "Nhung", "nhung", 8 }, { "Nhi", "nhi", 8 }, { "Oanh", "oanh", 6 },
    { "Phượng", "phuong", 6 }, { "Phương", "phuong", 8 },
    { "Quyên", "quyen", 6 }, { "Thảo", "thao", 10 }, { "Thu", "thu", 6 },
    { "Thủy", "thuy", 8 }, { "Trang", "trang", 10 }, { "Trinh", "trinh", 6 },
    { "Tuyết", "tuyet", 6 }, { "Uyên", "uyen", 6 }, { "Vân", "van", 6 },
    { "Vy", "vy", 8 }, { "Yến", "yen", 8 }, { "Xuân", "xuan", 5 },
    { "Hồng", "hong", 6 }, { "Cúc", "cuc", 4 }
};

const demo_word_t demo_brands[] = {
    { "Phúc Thịnh", "phucthinh", 1 }, { "Thành Đạt", "thanhdat", 1 },
    { "Hưng Phát", "hungphat", 1 }, { "Tân Phú Thịnh", "tanphuthinh", 1 },
    { "An Khang", "ankhang", 1 }, { "Việt Nhật", "vietnhat", 1 },
    { "Đại Phát", "daiphat", 1 }, { "Minh Long", "minhlong", 1 },
    { "Hoàng Gia", "hoanggia", 1 }, { "Sao Việt", "saoviet", 1 },
    { "Phú Mỹ", "phumy", 1 }, { "Mê Kông", "mekong", 1 },
    { "Long Hậu", "longhau", 1 }, { "Vàm Cỏ", "vamco", 1 },
    { "Đồng Tháp Mười", "dongthapmuoi", 1 }, { "Kim Long", "kimlong", 1 },
    { "Thuận Phát", "thuanphat", 1 }, { "Trường Thịnh", "truongthinh", 1 },
    { "Nam Việt", "namviet", 1 }, { "Tân Thành Công", "tanthanhcong", 1 },
    { "Gia Bảo", "giabao", 1 }, { "Hải Đăng", "haidang", 1 },
    { "Quốc Thắng", "quocthang", 1 }, { "Bình Minh", "binhminh", 1 }
};

const char *const demo_trades[] = {
    "Xây dựng", "Thương mại Dịch vụ", "Sản xuất Thương mại", "Vận tải",
    "Nông sản", "Thực phẩm", "Bao bì", "Cơ khí", "Dệt may", "Logistics",
    "Xuất nhập khẩu", "Môi trường", "Đầu tư Bất động sản", "Dược phẩm",
    "Vật liệu xây dựng", "Gạo", "Thủy sản", "Điện tử"
};

const char *const demo_coops[] = {
    "Hợp tác xã Nông nghiệp", "Hợp tác xã Dịch vụ nông nghiệp",
    "Hợp tác xã Thanh long", "Hợp tác xã Rau an toàn",
    "Hợp tác xã Lúa gạo", "Hợp tác xã Vận tải"
};

const char *const demo_mail_domains[] = {
    "example.vn", "example.com", "mail.example.vn", "example.com.vn"
};


/* apology reasons */

const char *const demo_reasons_land[] = {
    "Hồ sơ cần xác minh thêm nguồn gốc đất",
    "Chờ kết quả đo đạc, kiểm tra hiện trạng thửa đất",
    "Cần lấy ý kiến của Ủy ban nhân dân cấp xã về tình trạng tranh chấp",
    "Chờ cơ quan thuế xác định nghĩa vụ tài chính",
    "Cần kiểm tra thực địa công trình xây dựng",
    "Hồ sơ phải lấy ý kiến thẩm định của cơ quan chuyên môn"
};

const char *const demo_reasons_any[] = {
    "Cần lấy ý kiến của các cơ quan có liên quan",
    "Hệ thống phần mềm một cửa gặp sự cố, chậm cập nhật kết quả",
    "Công chức thụ lý hồ sơ nghỉ ốm đột xuất",
    "Lãnh đạo đi công tác, chưa kịp ký duyệt kết quả",
    "Số lượng hồ sơ tăng đột biến so với thường lệ",
    "Hồ sơ cần xác minh thêm thông tin của người nộp"
};

const char demo_reason_lltp[] =
    "Chờ kết quả tra cứu, xác minh thông tin lý lịch tư pháp từ cơ quan "
    "công an";

const char demo_reason_covid[] =
    "Thời gian giải quyết bị ảnh hưởng do thực hiện giãn cách xã hội "
    "phòng, chống dịch COVID-19";


/* holidays on working days, besides 1/1, 30/4, 1/5 and 2/9 */

const demo_span_t demo_holidays[] = {
    { 2020, 1, 23, 7 }, { 2020, 4, 2, 1 },
    { 2021, 2, 10, 7 }, { 2021, 4, 21, 1 }, { 2021, 9, 3, 1 },
    { 2022, 1, 29, 9 }, { 2022, 4, 11, 1 }, { 2022, 9, 1, 1 },
    { 2023, 1, 20, 7 }, { 2023, 5, 2, 2 }, { 2023, 9, 1, 4 },
    { 2024, 2, 8, 7 }, { 2024, 4, 18, 1 }, { 2024, 9, 3, 1 },
    { 2025, 1, 25, 9 }, { 2025, 4, 7, 1 }, { 2025, 9, 1, 1 },
    { 2026, 2, 14, 9 }, { 2026, 4, 27, 1 }, { 2026, 9, 1, 1 },
    { 2027, 2, 4, 7 }, { 2027, 4, 16, 1 }, { 2027, 9, 3, 1 },
    { 2028, 1, 24, 7 }, { 2028, 4, 4, 1 }, { 2028, 9, 1, 1 },
    { 2029, 2, 11, 7 }, { 2029, 4, 23, 1 }, { 2029, 9, 3, 1 },
    { 2030, 2, 1, 7 }, { 2030, 4, 12, 1 }, { 2030, 9, 3, 1 }
};

/* social distancing against COVID-19 in Long An: fewer dossiers */

const demo_span_t demo_lockdowns[] = {
    { 2020, 4, 1, 22 }, { 2021, 7, 9, 84 }
};


_Static_assert(DEMO_NELTS(demo_depts) == DEMO_N_DEPTS,
               "demo_depts: not DEMO_N_DEPTS entries");
_Static_assert(DEMO_NELTS(demo_districts) == DEMO_N_DISTRICTS,
               "demo_districts: not DEMO_N_DISTRICTS entries");
_Static_assert(DEMO_NELTS(demo_communes) == DEMO_N_COMMUNES,
               "demo_communes: not DEMO_N_COMMUNES entries");
_Static_assert(DEMO_NELTS(demo_fields) == DEMO_N_FIELDS,
               "demo_fields: not DEMO_N_FIELDS entries");
_Static_assert(DEMO_NELTS(demo_procs) == DEMO_N_PROCS,
               "demo_procs: not DEMO_N_PROCS entries");
_Static_assert(DEMO_NELTS(demo_family) == DEMO_N_FAMILY,
               "demo_family: not DEMO_N_FAMILY entries");
_Static_assert(DEMO_NELTS(demo_middle_m) == DEMO_N_MIDDLE_M,
               "demo_middle_m: not DEMO_N_MIDDLE_M entries");
_Static_assert(DEMO_NELTS(demo_middle_f) == DEMO_N_MIDDLE_F,
               "demo_middle_f: not DEMO_N_MIDDLE_F entries");
_Static_assert(DEMO_NELTS(demo_given_m) == DEMO_N_GIVEN_M,
               "demo_given_m: not DEMO_N_GIVEN_M entries");
_Static_assert(DEMO_NELTS(demo_given_f) == DEMO_N_GIVEN_F,
               "demo_given_f: not DEMO_N_GIVEN_F entries");
_Static_assert(DEMO_NELTS(demo_brands) == DEMO_N_BRANDS,
               "demo_brands: not DEMO_N_BRANDS entries");
_Static_assert(DEMO_NELTS(demo_trades) == DEMO_N_TRADES,
               "demo_trades: not DEMO_N_TRADES entries");
_Static_assert(DEMO_NELTS(demo_coops) == DEMO_N_COOPS,
               "demo_coops: not DEMO_N_COOPS entries");
_Static_assert(DEMO_NELTS(demo_mail_domains) == DEMO_N_MAIL_DOMAINS,
               "demo_mail_domains: not DEMO_N_MAIL_DOMAINS entries");
_Static_assert(DEMO_NELTS(demo_reasons_land) == DEMO_N_REASONS_LAND,
               "demo_reasons_land: not DEMO_N_REASONS_LAND entries");
_Static_assert(DEMO_NELTS(demo_reasons_any) == DEMO_N_REASONS_ANY,
               "demo_reasons_any: not DEMO_N_REASONS_ANY entries");
_Static_assert(DEMO_NELTS(demo_holidays) == DEMO_N_HOLIDAYS,
               "demo_holidays: not DEMO_N_HOLIDAYS entries");
_Static_assert(DEMO_NELTS(demo_lockdowns) == DEMO_N_LOCKDOWNS,
               "demo_lockdowns: not DEMO_N_LOCKDOWNS entries");
